package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

// "Every weekday at 09:00" in Berlin across the spring change: Friday, then
// Monday, always 09:00 local.
func TestWeekdaysSkipTheDaysLeftOut(t *testing.T) {
	days, err := ParseWeekdays([]string{"mon", "tue", "wed", "thu", "fri"})
	if err != nil {
		t.Fatal(err)
	}
	b := schedBerlin
	start := time.Date(2026, 3, 26, 9, 0, 0, 0, b) // a Thursday
	cases := []struct {
		name string
		t    time.Time
		next time.Time
	}{
		{"before the start", start.Add(-time.Hour), time.Date(2026, 3, 26, 9, 0, 0, 0, b)},
		{"Thursday's sent: Friday", start, time.Date(2026, 3, 27, 9, 0, 0, 0, b)},
		{"Friday's sent: Monday, over the change to summer time", time.Date(2026, 3, 27, 9, 0, 0, 0, b), time.Date(2026, 3, 30, 9, 0, 0, 0, b)},
		{"Saturday noon: Monday", time.Date(2026, 3, 28, 12, 0, 0, 0, b), time.Date(2026, 3, 30, 9, 0, 0, 0, b)},
	}
	for _, c := range cases {
		if got := NextAfterOn(start, PeriodDaily, b, c.t, days); !got.Equal(c.next) {
			t.Errorf("%s: next %s, want %s", c.name, got.In(b), c.next)
		}
	}
	// on Sunday evening the latest occurrence that has come is Friday's
	got, ok := LatestAtOrBeforeOn(start, PeriodDaily, b, time.Date(2026, 3, 29, 20, 0, 0, 0, b), days)
	if want := time.Date(2026, 3, 27, 9, 0, 0, 0, b); !ok || !got.Equal(want) {
		t.Errorf("latest on Sunday: %s %v, want %s", got.In(b), ok, want)
	}
	// a window that starts on a Saturday has its first send on Monday
	sat := time.Date(2026, 3, 28, 9, 0, 0, 0, b)
	if got, ok := LatestAtOrBeforeOn(sat, PeriodDaily, b, sat.Add(time.Hour), days); ok {
		t.Errorf("a Saturday start has sent by Saturday 10:00: %s", got)
	}
	if got := NextAfterOn(sat, PeriodDaily, b, sat.Add(-time.Minute), days); !got.Equal(time.Date(2026, 3, 30, 9, 0, 0, 0, b)) {
		t.Errorf("first send of a Saturday start: %s", got.In(b))
	}
	if _, err := ParseWeekdays([]string{"mon", "someday"}); err == nil {
		t.Error("someday is a day of the week")
	}
}

// Against counting every daily occurrence one by one and keeping the days
// asked for: random starts, zones with odd daylight-saving rules, days and
// instants.
func TestWeekdaysAgreeWithCountingOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(2027, 1))
	zones := []*time.Location{time.UTC, schedBerlin, schedNewYork, schedHavana, schedLordHowe, schedApia}
	for range 3000 {
		loc := zones[r.IntN(len(zones))]
		start := time.Date(2010+r.IntN(20), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 15*r.IntN(4), 0, 0, loc)
		days := Weekdays(1 + r.IntN(127))
		at := start.Add(time.Duration(r.Int64N(int64(60*24*time.Hour))) - 24*time.Hour)
		var kept []time.Time
		for k := range 80 {
			if days.Has(time.Weekday((int(start.Weekday()) + k) % 7)) {
				kept = append(kept, Occurrence(start, PeriodDaily, loc, k))
			}
		}
		var wantNext, wantLatest time.Time
		for _, o := range kept {
			if o.After(at) {
				wantNext = o
				break
			}
			wantLatest = o
		}
		if got := NextAfterOn(start, PeriodDaily, loc, at, days); !got.Equal(wantNext) {
			t.Fatalf("%s %s days %07b at %s: next %s, want %s", loc, start, days, at, got, wantNext)
		}
		got, ok := LatestAtOrBeforeOn(start, PeriodDaily, loc, at, days)
		if ok != !wantLatest.IsZero() || !got.Equal(wantLatest) {
			t.Fatalf("%s %s days %07b at %s: latest %s %v, want %s", loc, start, days, at, got, ok, wantLatest)
		}
	}
}
