package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

var (
	schedKiritimati = schedLoc("Pacific/Kiritimati") // UTC+14
	schedPagoPago   = schedLoc("Pacific/Pago_Pago")  // UTC−11, across the date line from it
)

// One occurrence, read as a wall clock, in each client's zone: across the
// date line, and over Lord Howe's half-hour daylight-saving changes.
func TestAtRecipientTable(t *testing.T) {
	b, lh := schedBerlin, schedLordHowe
	cases := []struct {
		name   string
		o      time.Time // the owner's occurrence
		owner  *time.Location
		client *time.Location
		want   time.Time
	}{
		{"the owner's own zone", time.Date(2026, 6, 1, 9, 0, 0, 0, b), b, b, time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)},
		{"Kiritimati: a day ahead", time.Date(2026, 6, 1, 9, 0, 0, 0, b), b, schedKiritimati, time.Date(2026, 5, 31, 19, 0, 0, 0, time.UTC)},
		{"Pago Pago: the same date, 25 hours after Kiritimati", time.Date(2026, 6, 1, 9, 0, 0, 0, b), b, schedPagoPago, time.Date(2026, 6, 1, 20, 0, 0, 0, time.UTC)},
		{"Lord Howe in winter, UTC+10:30", time.Date(2026, 6, 1, 9, 0, 0, 0, b), b, lh, time.Date(2026, 5, 31, 22, 30, 0, 0, time.UTC)},
		{"Lord Howe in summer, UTC+11", time.Date(2027, 1, 4, 9, 0, 0, 0, b), b, lh, time.Date(2027, 1, 3, 22, 0, 0, 0, time.UTC)},
		// 2026-10-04 02:00 → 02:30 on Lord Howe: 02:15 does not exist and moves forward by the gap
		{"Lord Howe's gap: moved forward", time.Date(2026, 10, 4, 2, 15, 0, 0, b), b, lh, time.Date(2026, 10, 3, 15, 45, 0, 0, time.UTC)},
		// 2026-04-05 02:00 → 01:30 on Lord Howe: 01:45 comes twice, the first counts
		{"Lord Howe's overlap: the first", time.Date(2026, 4, 5, 1, 45, 0, 0, b), b, lh, time.Date(2026, 4, 4, 14, 45, 0, 0, time.UTC)},
		{"owner across the date line: Pago Pago's 09:00 in Kiritimati", time.Date(2026, 6, 1, 9, 0, 0, 0, schedPagoPago), schedPagoPago, schedKiritimati, time.Date(2026, 5, 31, 19, 0, 0, 0, time.UTC)},
		{"no zones: UTC", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), nil, nil, time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := AtRecipient(c.o, c.owner, c.client); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// Kiritimati is the first to reach a wall clock: the claim's moment
	o := time.Date(2026, 6, 1, 9, 0, 0, 0, b)
	if got := FirstRecipient(o, b); !got.Equal(AtRecipient(o, b, schedKiritimati)) {
		t.Errorf("first recipient %s, want Kiritimati's %s", got, AtRecipient(o, b, schedKiritimati))
	}
}

// Daily at 09:00 in Pago Pago, as the clocks of the world reach it: on
// Tuesday 20:00 UTC Kiritimati has reached Wednesday 09:00 (it is 10:00
// there), so Wednesday's occurrence has begun, though it is still Tuesday
// 09:00 in Pago Pago.
func TestLatestBegunAcrossTheDateLine(t *testing.T) {
	pp := schedPagoPago
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, pp) // Monday, 20:00 UTC
	wed := time.Date(2026, 6, 3, 9, 0, 0, 0, pp)
	tue := time.Date(2026, 6, 2, 9, 0, 0, 0, pp)
	cases := []struct {
		t    time.Time
		want time.Time
		ok   bool
	}{
		{start.Add(-27 * time.Hour), time.Time{}, false},
		{FirstRecipient(start, pp), start, true},
		{time.Date(2026, 6, 2, 18, 59, 0, 0, time.UTC), tue, true},
		{time.Date(2026, 6, 2, 19, 0, 0, 0, time.UTC), wed, true},
		{time.Date(2026, 6, 2, 20, 0, 0, 0, time.UTC), wed, true},
	}
	for _, c := range cases {
		got, ok := LatestBegunOn(start, PeriodDaily, pp, c.t, 0)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("at %s: %s %v, want %s %v", c.t, got.In(pp), ok, c.want.In(pp), c.ok)
		}
	}
}

// Random windows, zones and clients: every client reaches an occurrence at
// its wall clock (or just after, in a gap), never before the first
// recipient, once per occurrence and in order; LatestBegunOn agrees with
// counting the occurrences one by one.
func TestRecipientTimeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 2026))
	zones := []*time.Location{time.UTC, schedBerlin, schedNewYork, schedLordHowe, schedApia, schedKiritimati, schedPagoPago, schedTokyo, schedLoc("Etc/GMT+12")}
	periods := []string{PeriodDaily, PeriodWeekly, PeriodMonthly}
	for range 2000 {
		owner, client := zones[r.IntN(len(zones))], zones[r.IntN(len(zones))]
		period := periods[r.IntN(len(periods))]
		start := time.Date(2024+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 15*r.IntN(4), 0, 0, owner)
		var prev time.Time
		for k := range 40 {
			o := Occurrence(start, period, owner, k)
			at := AtRecipient(o, owner, client)
			first := FirstRecipient(o, owner)
			if at.Before(first) {
				t.Fatalf("%s in %s reached at %s, before the first recipient %s", o, client, at, first)
			}
			wall, got := schedWallOf(o, owner), schedWallOf(at, client)
			if got.Before(wall) || got.Sub(wall) > time.Hour {
				t.Fatalf("%s (%s in %s) reached in %s at wall clock %s", o, wall, owner, client, got)
			}
			if !prev.IsZero() && !at.After(prev) {
				t.Fatalf("%s: occurrence %d reached at %s, not after the one before (%s)", client, k, at, prev)
			}
			prev = at
		}
		// the latest begun by a random instant, against counting
		t0 := start.Add(time.Duration(r.Int64N(int64(30*24*time.Hour))) - 26*time.Hour)
		want, wantOK := time.Time{}, false
		for k := range 40 {
			o := Occurrence(start, period, owner, k)
			if FirstRecipient(o, owner).After(t0) {
				break
			}
			want, wantOK = o, true
		}
		if got, ok := LatestBegunOn(start, period, owner, t0, 0); ok != wantOK || !got.Equal(want) {
			t.Fatalf("%s %s from %s: latest begun by %s is %s %v, want %s %v", period, owner, start, t0, got, ok, want, wantOK)
		}
	}
}

// Which occurrence a pass claims: a daily 09:00 in Pago Pago made just
// before its start has Tuesday's begun in Kiritimati already, but
// Monday's is still to reach Pago Pago itself, so Monday's goes first; a
// pass late enough that nobody is left for Monday's claims Tuesday's.
func TestDueAtRecipients(t *testing.T) {
	pp := schedPagoPago
	mon := time.Date(2026, 6, 1, 9, 0, 0, 0, pp) // 20:00 UTC
	tue, wed := mon.AddDate(0, 0, 1), mon.AddDate(0, 0, 2)
	from := FirstRecipient(mon, pp) // the window's next_run_at: Sunday 19:00 UTC
	cases := []struct {
		name     string
		from, at time.Time
		want     time.Time
		ok       bool
	}{
		{"before anyone reaches Monday's", from, from.Add(-time.Second), time.Time{}, false},
		{"Kiritimati reaches Monday's", from, from, mon, true},
		{"made a minute before its start: Monday's", from, mon.Add(-time.Minute), mon, true},
		{"Monday 20:59 UTC: Etc/GMT+12 still waits for Monday's", from, time.Date(2026, 6, 1, 20, 59, 0, 0, time.UTC), mon, true},
		{"Monday 21:01 UTC: nobody is left for it, Tuesday's has begun", from, time.Date(2026, 6, 1, 21, 1, 0, 0, time.UTC), tue, true},
		{"Monday's claimed: Tuesday's once begun", FirstRecipient(tue, pp), time.Date(2026, 6, 1, 19, 0, 0, 0, time.UTC), tue, true},
		{"down for a day and a half: the latest begun", from, time.Date(2026, 6, 2, 21, 30, 0, 0, time.UTC), wed, true},
	}
	for _, c := range cases {
		got, ok := DueAtRecipients(mon, PeriodDaily, pp, c.from, c.at, 0)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: %s %v, want %s %v", c.name, got.In(pp), ok, c.want.In(pp), c.ok)
		}
	}
	if got := BeginningAt(mon, PeriodDaily, pp, FirstRecipient(tue, pp), 0); !got.Equal(tue) {
		t.Errorf("the occurrence beginning at Tuesday's first recipient: %s", got.In(pp))
	}
}

// DueAtRecipients against counting: random windows, a random next_run_at
// (the first recipient of one of its occurrences) and a random pass.
func TestDueAtRecipientsAgreesWithCounting(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 27))
	zones := []*time.Location{time.UTC, schedBerlin, schedLordHowe, schedApia, schedKiritimati, schedPagoPago, schedLoc("Etc/GMT+12")}
	periods := []string{PeriodDaily, PeriodWeekly, PeriodMonthly}
	for range 2000 {
		loc := zones[r.IntN(len(zones))]
		period := periods[r.IntN(len(periods))]
		start := time.Date(2024+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 15*r.IntN(4), 0, 0, loc)
		var occ []time.Time
		for k := range 60 {
			occ = append(occ, Occurrence(start, period, loc, k))
		}
		waits := r.IntN(20)
		from := FirstRecipient(occ[waits], loc)
		at := from.Add(time.Duration(r.Int64N(int64(40 * 24 * time.Hour))))
		// want: the oldest from occ[waits] on that has begun and still
		// has someone to reach, else the latest begun
		var want time.Time
		for _, o := range occ[waits:] {
			if FirstRecipient(o, loc).After(at) {
				break
			}
			if want.IsZero() && !LastRecipient(o, loc).Before(at) {
				want = o
			}
		}
		if want.IsZero() {
			for _, o := range occ {
				if !FirstRecipient(o, loc).After(at) {
					want = o
				}
			}
		}
		got, ok := DueAtRecipients(start, period, loc, from, at, 0)
		if !ok || !got.Equal(want) {
			t.Fatalf("%s %s from %s, next_run_at %s, pass at %s: %s %v, want %s", period, loc, start, from, at, got, ok, want)
		}
	}
}
