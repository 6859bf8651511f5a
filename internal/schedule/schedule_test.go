package schedule

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata"
)

func schedLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	schedBerlin   = schedLoc("Europe/Berlin")
	schedNewYork  = schedLoc("America/New_York")
	schedHavana   = schedLoc("America/Havana")
	schedLordHowe = schedLoc("Australia/Lord_Howe")
	schedApia     = schedLoc("Pacific/Apia")
	schedTokyo    = schedLoc("Asia/Tokyo")
)

// schedUTC is a UTC instant, minute precision.
func schedUTC(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

type occCase struct {
	name   string
	start  time.Time
	period string
	loc    *time.Location
	k      int
	want   time.Time
}

func runOccCases(t *testing.T, cases []occCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Occurrence(c.start, c.period, c.loc, c.k)
			if !got.Equal(c.want) {
				t.Fatalf("Occurrence(%v, %s, %v, %d) = %v, want %v (%v in %v)",
					c.start, c.period, c.loc, c.k, got, c.want.UTC(), c.want, c.loc)
			}
			if got.Location() != time.UTC {
				t.Fatalf("result in %v, want UTC", got.Location())
			}
		})
	}
}

func TestValidPeriod(t *testing.T) {
	for p, want := range map[string]bool{
		PeriodOnce: true, PeriodDaily: true, PeriodWeekly: true, PeriodMonthly: true,
		"": false, "hourly": false, "Daily": false, "yearly": false, " daily": false,
	} {
		if got := ValidPeriod(p); got != want {
			t.Errorf("ValidPeriod(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestOccurrenceSimpleUTC(t *testing.T) {
	s := schedUTC(2026, 1, 15, 9, 30)
	sTokyo := time.Date(2026, 1, 15, 18, 30, 0, 0, schedTokyo) // the same instant as s
	runOccCases(t, []occCase{
		{"once k=0 is start", s, PeriodOnce, time.UTC, 0, s},
		{"once k=1 is zero", s, PeriodOnce, time.UTC, 1, time.Time{}},
		{"once k=7 is zero", s, PeriodOnce, time.UTC, 7, time.Time{}},
		{"daily k=0", s, PeriodDaily, time.UTC, 0, s},
		{"daily k=1", s, PeriodDaily, time.UTC, 1, schedUTC(2026, 1, 16, 9, 30)},
		{"daily k=17 crosses month", s, PeriodDaily, time.UTC, 17, schedUTC(2026, 2, 1, 9, 30)},
		{"daily k=365", s, PeriodDaily, time.UTC, 365, schedUTC(2027, 1, 15, 9, 30)},
		{"weekly k=0", s, PeriodWeekly, time.UTC, 0, s},
		{"weekly k=1", s, PeriodWeekly, time.UTC, 1, schedUTC(2026, 1, 22, 9, 30)},
		{"weekly k=3", s, PeriodWeekly, time.UTC, 3, schedUTC(2026, 2, 5, 9, 30)},
		{"weekly k=52", s, PeriodWeekly, time.UTC, 52, schedUTC(2027, 1, 14, 9, 30)},
		{"monthly k=0", s, PeriodMonthly, time.UTC, 0, s},
		{"monthly k=1", s, PeriodMonthly, time.UTC, 1, schedUTC(2026, 2, 15, 9, 30)},
		{"monthly k=11", s, PeriodMonthly, time.UTC, 11, schedUTC(2026, 12, 15, 9, 30)},
		{"monthly k=12", s, PeriodMonthly, time.UTC, 12, schedUTC(2027, 1, 15, 9, 30)},
		{"monthly k=25", s, PeriodMonthly, time.UTC, 25, schedUTC(2028, 2, 15, 9, 30)},
		{"start given in another zone", sTokyo, PeriodDaily, time.UTC, 1, schedUTC(2026, 1, 16, 9, 30)},
		{"start given in another zone k=0 in UTC", sTokyo, PeriodWeekly, time.UTC, 0, s},
		{"nil loc means UTC", s, PeriodDaily, nil, 2, schedUTC(2026, 1, 17, 9, 30)},
		{"nanoseconds kept", s.Add(123456789), PeriodDaily, time.UTC, 1, schedUTC(2026, 1, 16, 9, 30).Add(123456789)},
		{"negative k", s, PeriodDaily, time.UTC, -1, time.Time{}},
		{"unknown period", s, "hourly", time.UTC, 0, time.Time{}},
	})
}

func TestOccurrenceMonthlyClamp(t *testing.T) {
	b := schedBerlin
	jan31 := time.Date(2027, 1, 31, 9, 0, 0, 0, b)
	jan30 := schedUTC(2027, 1, 30, 9, 0)
	jan29 := schedUTC(2027, 1, 29, 9, 0)
	feb29 := schedUTC(2028, 2, 29, 9, 0)
	dec31 := schedUTC(2027, 12, 31, 9, 0)
	runOccCases(t, []occCase{
		{"31st k=1 Feb 28 non-leap", jan31, PeriodMonthly, b, 1, time.Date(2027, 2, 28, 9, 0, 0, 0, b)},
		{"31st k=1 is 08:00 UTC (CET)", jan31, PeriodMonthly, b, 1, schedUTC(2027, 2, 28, 8, 0)},
		{"31st k=2 Mar 31 back to 31", jan31, PeriodMonthly, b, 2, time.Date(2027, 3, 31, 9, 0, 0, 0, b)},
		{"31st k=2 is 07:00 UTC (CEST)", jan31, PeriodMonthly, b, 2, schedUTC(2027, 3, 31, 7, 0)},
		{"31st k=3 Apr 30", jan31, PeriodMonthly, b, 3, time.Date(2027, 4, 30, 9, 0, 0, 0, b)},
		{"31st k=4 May 31", jan31, PeriodMonthly, b, 4, time.Date(2027, 5, 31, 9, 0, 0, 0, b)},
		{"31st k=5 Jun 30", jan31, PeriodMonthly, b, 5, time.Date(2027, 6, 30, 9, 0, 0, 0, b)},
		{"31st k=12 (13th occurrence) Jan 31", jan31, PeriodMonthly, b, 12, time.Date(2028, 1, 31, 9, 0, 0, 0, b)},
		{"31st k=13 Feb 29 leap", jan31, PeriodMonthly, b, 13, time.Date(2028, 2, 29, 9, 0, 0, 0, b)},
		{"31st k=14 Mar 31", jan31, PeriodMonthly, b, 14, time.Date(2028, 3, 31, 9, 0, 0, 0, b)},
		{"30th k=1 Feb 28", jan30, PeriodMonthly, time.UTC, 1, schedUTC(2027, 2, 28, 9, 0)},
		{"30th k=2 Mar 30", jan30, PeriodMonthly, time.UTC, 2, schedUTC(2027, 3, 30, 9, 0)},
		{"30th k=13 Feb 29 leap", jan30, PeriodMonthly, time.UTC, 13, schedUTC(2028, 2, 29, 9, 0)},
		{"30th k=14 Mar 30", jan30, PeriodMonthly, time.UTC, 14, schedUTC(2028, 3, 30, 9, 0)},
		{"29th k=1 Feb 28 non-leap", jan29, PeriodMonthly, time.UTC, 1, schedUTC(2027, 2, 28, 9, 0)},
		{"29th k=2 Mar 29", jan29, PeriodMonthly, time.UTC, 2, schedUTC(2027, 3, 29, 9, 0)},
		{"29th k=13 Feb 29 leap", jan29, PeriodMonthly, time.UTC, 13, schedUTC(2028, 2, 29, 9, 0)},
		{"Feb 29 k=1 Mar 29", feb29, PeriodMonthly, time.UTC, 1, schedUTC(2028, 3, 29, 9, 0)},
		{"Feb 29 k=12 Feb 28 non-leap", feb29, PeriodMonthly, time.UTC, 12, schedUTC(2029, 2, 28, 9, 0)},
		{"Feb 29 k=13 Mar 29", feb29, PeriodMonthly, time.UTC, 13, schedUTC(2029, 3, 29, 9, 0)},
		{"Feb 29 k=48 Feb 29 again", feb29, PeriodMonthly, time.UTC, 48, schedUTC(2032, 2, 29, 9, 0)},
		{"Dec 31 k=1 Jan 31 across year", dec31, PeriodMonthly, time.UTC, 1, schedUTC(2028, 1, 31, 9, 0)},
		{"Dec 31 k=2 Feb 29", dec31, PeriodMonthly, time.UTC, 2, schedUTC(2028, 2, 29, 9, 0)},
		{"Dec 31 k=14 Feb 28", dec31, PeriodMonthly, time.UTC, 14, schedUTC(2029, 2, 28, 9, 0)},
	})
}

// The local clock stays at 09:00 while the UTC instant moves by an hour.
func TestOccurrenceDaylightSaving(t *testing.T) {
	b, ny := schedBerlin, schedNewYork
	runOccCases(t, []occCase{
		// Berlin, spring forward 2026-03-29.
		{"Berlin daily spring k=0", time.Date(2026, 3, 28, 9, 0, 0, 0, b), PeriodDaily, b, 0, schedUTC(2026, 3, 28, 8, 0)},
		{"Berlin daily spring k=1", time.Date(2026, 3, 28, 9, 0, 0, 0, b), PeriodDaily, b, 1, schedUTC(2026, 3, 29, 7, 0)},
		{"Berlin daily spring k=1 local", time.Date(2026, 3, 28, 9, 0, 0, 0, b), PeriodDaily, b, 1, time.Date(2026, 3, 29, 9, 0, 0, 0, b)},
		{"Berlin daily spring k=2", time.Date(2026, 3, 28, 9, 0, 0, 0, b), PeriodDaily, b, 2, schedUTC(2026, 3, 30, 7, 0)},
		{"Berlin weekly spring k=1", time.Date(2026, 3, 22, 9, 0, 0, 0, b), PeriodWeekly, b, 1, schedUTC(2026, 3, 29, 7, 0)},
		{"Berlin weekly spring k=2", time.Date(2026, 3, 22, 9, 0, 0, 0, b), PeriodWeekly, b, 2, schedUTC(2026, 4, 5, 7, 0)},
		// Berlin, fall back 2026-10-25.
		{"Berlin daily fall k=0", time.Date(2026, 10, 24, 9, 0, 0, 0, b), PeriodDaily, b, 0, schedUTC(2026, 10, 24, 7, 0)},
		{"Berlin daily fall k=1", time.Date(2026, 10, 24, 9, 0, 0, 0, b), PeriodDaily, b, 1, schedUTC(2026, 10, 25, 8, 0)},
		{"Berlin daily fall k=1 local", time.Date(2026, 10, 24, 9, 0, 0, 0, b), PeriodDaily, b, 1, time.Date(2026, 10, 25, 9, 0, 0, 0, b)},
		{"Berlin weekly fall k=1", time.Date(2026, 10, 18, 9, 0, 0, 0, b), PeriodWeekly, b, 1, schedUTC(2026, 10, 25, 8, 0)},
		// New York, spring forward 2026-03-08.
		{"NY daily spring k=0", time.Date(2026, 3, 7, 9, 0, 0, 0, ny), PeriodDaily, ny, 0, schedUTC(2026, 3, 7, 14, 0)},
		{"NY daily spring k=1", time.Date(2026, 3, 7, 9, 0, 0, 0, ny), PeriodDaily, ny, 1, schedUTC(2026, 3, 8, 13, 0)},
		{"NY daily spring k=1 local", time.Date(2026, 3, 7, 9, 0, 0, 0, ny), PeriodDaily, ny, 1, time.Date(2026, 3, 8, 9, 0, 0, 0, ny)},
		{"NY weekly spring k=1", time.Date(2026, 3, 1, 9, 0, 0, 0, ny), PeriodWeekly, ny, 1, schedUTC(2026, 3, 8, 13, 0)},
		// New York, fall back 2026-11-01.
		{"NY daily fall k=0", time.Date(2026, 10, 31, 9, 0, 0, 0, ny), PeriodDaily, ny, 0, schedUTC(2026, 10, 31, 13, 0)},
		{"NY daily fall k=1", time.Date(2026, 10, 31, 9, 0, 0, 0, ny), PeriodDaily, ny, 1, schedUTC(2026, 11, 1, 14, 0)},
		{"NY daily fall k=1 local", time.Date(2026, 10, 31, 9, 0, 0, 0, ny), PeriodDaily, ny, 1, time.Date(2026, 11, 1, 9, 0, 0, 0, ny)},
		{"NY weekly fall k=1", time.Date(2026, 10, 25, 9, 0, 0, 0, ny), PeriodWeekly, ny, 1, schedUTC(2026, 11, 1, 14, 0)},
		// The same schedule counted in UTC does not follow the local clock.
		{"Berlin start counted in UTC", time.Date(2026, 3, 28, 9, 0, 0, 0, b), PeriodDaily, time.UTC, 1, schedUTC(2026, 3, 29, 8, 0)},
	})
}

// A wall time inside a spring-forward gap moves forward by the gap (RFC 5545), in every zone; the next
// day is back at the original wall time.
func TestOccurrenceGap(t *testing.T) {
	b, ny, hav, lh, apia := schedBerlin, schedNewYork, schedHavana, schedLordHowe, schedApia
	runOccCases(t, []occCase{
		// Berlin 02:00 CET -> 03:00 CEST on 2026-03-29. time.Date also gives 03:30 here.
		{"Berlin daily 02:30 day before", time.Date(2026, 3, 28, 2, 30, 0, 0, b), PeriodDaily, b, 0, schedUTC(2026, 3, 28, 1, 30)},
		{"Berlin daily 02:30 gap day -> 03:30 CEST", time.Date(2026, 3, 28, 2, 30, 0, 0, b), PeriodDaily, b, 1, schedUTC(2026, 3, 29, 1, 30)},
		{"Berlin daily 02:30 next day back at 02:30 CEST", time.Date(2026, 3, 28, 2, 30, 0, 0, b), PeriodDaily, b, 2, schedUTC(2026, 3, 30, 0, 30)},
		{"Berlin weekly 02:30 gap", time.Date(2026, 3, 22, 2, 30, 0, 0, b), PeriodWeekly, b, 1, schedUTC(2026, 3, 29, 1, 30)},
		{"Berlin weekly 02:30 after gap", time.Date(2026, 3, 22, 2, 30, 0, 0, b), PeriodWeekly, b, 2, schedUTC(2026, 4, 5, 0, 30)},
		{"Berlin monthly 29th 02:30 gap", time.Date(2026, 1, 29, 2, 30, 0, 0, b), PeriodMonthly, b, 2, schedUTC(2026, 3, 29, 1, 30)},
		{"Berlin monthly 29th 02:30 after gap", time.Date(2026, 1, 29, 2, 30, 0, 0, b), PeriodMonthly, b, 3, schedUTC(2026, 4, 29, 0, 30)},
		// New York 02:00 EST -> 03:00 EDT on 2026-03-08. time.Date alone gives 01:30 EST (06:30 UTC) here.
		{"NY daily 02:30 gap day -> 03:30 EDT", time.Date(2026, 3, 7, 2, 30, 0, 0, ny), PeriodDaily, ny, 1, schedUTC(2026, 3, 8, 7, 30)},
		{"NY daily 02:30 gap day local", time.Date(2026, 3, 7, 2, 30, 0, 0, ny), PeriodDaily, ny, 1, time.Date(2026, 3, 8, 3, 30, 0, 0, ny)},
		{"NY daily 02:30 next day back at 02:30 EDT", time.Date(2026, 3, 7, 2, 30, 0, 0, ny), PeriodDaily, ny, 2, schedUTC(2026, 3, 9, 6, 30)},
		{"NY weekly 02:30 gap", time.Date(2026, 3, 1, 2, 30, 0, 0, ny), PeriodWeekly, ny, 1, schedUTC(2026, 3, 8, 7, 30)},
		{"NY monthly 8th 02:30 gap", time.Date(2026, 1, 8, 2, 30, 0, 0, ny), PeriodMonthly, ny, 2, schedUTC(2026, 3, 8, 7, 30)},
		// Havana 00:00 CST -> 01:00 CDT on 2026-03-08: time.Date alone gives 23:30 on the previous day.
		{"Havana daily 00:30 gap day -> 01:30 CDT", time.Date(2026, 3, 7, 0, 30, 0, 0, hav), PeriodDaily, hav, 1, schedUTC(2026, 3, 8, 5, 30)},
		{"Havana daily 00:30 next day", time.Date(2026, 3, 7, 0, 30, 0, 0, hav), PeriodDaily, hav, 2, schedUTC(2026, 3, 9, 4, 30)},
		// Lord Howe 02:00 -> 02:30 (+10:30 -> +11) on 2026-10-04: a 30-minute gap.
		{"Lord Howe daily 02:15 gap day -> 02:45", time.Date(2026, 10, 3, 2, 15, 0, 0, lh), PeriodDaily, lh, 1, schedUTC(2026, 10, 3, 15, 45)},
		{"Lord Howe daily 02:15 next day", time.Date(2026, 10, 3, 2, 15, 0, 0, lh), PeriodDaily, lh, 2, schedUTC(2026, 10, 4, 15, 15)},
		// Samoa skipped 2011-12-30 entirely (-10 -> +14 at midnight). Moving 10:00 forward by the 24-hour gap
		// would give Dec 31 10:00, the next occurrence; the first instant after the gap is used instead.
		{"Apia daily 10:00 Dec 29", time.Date(2011, 12, 28, 10, 0, 0, 0, apia), PeriodDaily, apia, 1, schedUTC(2011, 12, 29, 20, 0)},
		{"Apia daily 10:00 skipped Dec 30 -> Dec 31 00:00", time.Date(2011, 12, 28, 10, 0, 0, 0, apia), PeriodDaily, apia, 2, schedUTC(2011, 12, 30, 10, 0)},
		{"Apia daily 10:00 Dec 31", time.Date(2011, 12, 28, 10, 0, 0, 0, apia), PeriodDaily, apia, 3, schedUTC(2011, 12, 30, 20, 0)},
		{"Apia daily 10:00 Jan 1", time.Date(2011, 12, 28, 10, 0, 0, 0, apia), PeriodDaily, apia, 4, schedUTC(2011, 12, 31, 20, 0)},
		{"Apia weekly 10:00 skipped Dec 30", time.Date(2011, 12, 23, 10, 0, 0, 0, apia), PeriodWeekly, apia, 1, schedUTC(2011, 12, 30, 10, 0)},
		// At 00:00 the first instant after the gap is Dec 31's occurrence: the last instant before it is used.
		{"Apia daily 00:00 Dec 29", time.Date(2011, 12, 28, 0, 0, 0, 0, apia), PeriodDaily, apia, 1, schedUTC(2011, 12, 29, 10, 0)},
		{"Apia daily 00:00 skipped Dec 30 -> Dec 29 23:59:59.999999999", time.Date(2011, 12, 28, 0, 0, 0, 0, apia), PeriodDaily, apia, 2, schedUTC(2011, 12, 30, 10, 0).Add(-time.Nanosecond)},
		{"Apia daily 00:00 Dec 31", time.Date(2011, 12, 28, 0, 0, 0, 0, apia), PeriodDaily, apia, 3, schedUTC(2011, 12, 30, 10, 0)},
	})
}

// A wall time that exists twice (fall back) is the first of its two instants (RFC 5545), in every zone.
func TestOccurrenceAmbiguous(t *testing.T) {
	b, ny, lh := schedBerlin, schedNewYork, schedLordHowe
	runOccCases(t, []occCase{
		// Berlin 03:00 CEST -> 02:00 CET on 2026-10-25. time.Date alone gives the second instant (01:30 UTC).
		{"Berlin daily 02:30 day before", time.Date(2026, 10, 24, 2, 30, 0, 0, b), PeriodDaily, b, 0, schedUTC(2026, 10, 24, 0, 30)},
		{"Berlin daily 02:30 overlap -> 02:30 CEST", time.Date(2026, 10, 24, 2, 30, 0, 0, b), PeriodDaily, b, 1, schedUTC(2026, 10, 25, 0, 30)},
		{"Berlin daily 02:30 day after -> 02:30 CET", time.Date(2026, 10, 24, 2, 30, 0, 0, b), PeriodDaily, b, 2, schedUTC(2026, 10, 26, 1, 30)},
		{"Berlin weekly 02:30 overlap", time.Date(2026, 10, 18, 2, 30, 0, 0, b), PeriodWeekly, b, 1, schedUTC(2026, 10, 25, 0, 30)},
		{"Berlin weekly 02:30 after overlap", time.Date(2026, 10, 18, 2, 30, 0, 0, b), PeriodWeekly, b, 2, schedUTC(2026, 11, 1, 1, 30)},
		// Starting on either instant: k=0 is start itself, k=1 the next day.
		{"Berlin start at first instant k=0", schedUTC(2026, 10, 25, 0, 30), PeriodDaily, b, 0, schedUTC(2026, 10, 25, 0, 30)},
		{"Berlin start at second instant k=0", schedUTC(2026, 10, 25, 1, 30), PeriodDaily, b, 0, schedUTC(2026, 10, 25, 1, 30)},
		{"Berlin start at second instant k=1", schedUTC(2026, 10, 25, 1, 30), PeriodDaily, b, 1, schedUTC(2026, 10, 26, 1, 30)},
		// New York 02:00 EDT -> 01:00 EST on 2026-11-01. time.Date alone gives the first instant here.
		{"NY daily 01:30 overlap -> 01:30 EDT", time.Date(2026, 10, 31, 1, 30, 0, 0, ny), PeriodDaily, ny, 1, schedUTC(2026, 11, 1, 5, 30)},
		{"NY daily 01:30 day after -> 01:30 EST", time.Date(2026, 10, 31, 1, 30, 0, 0, ny), PeriodDaily, ny, 2, schedUTC(2026, 11, 2, 6, 30)},
		{"NY monthly 1st 01:30 overlap", time.Date(2026, 10, 1, 1, 30, 0, 0, ny), PeriodMonthly, ny, 1, schedUTC(2026, 11, 1, 5, 30)},
		// Lord Howe 02:00 (+11) -> 01:30 (+10:30) on 2026-04-05: a 30-minute overlap.
		{"Lord Howe daily 01:45 overlap -> +11", time.Date(2026, 4, 4, 1, 45, 0, 0, lh), PeriodDaily, lh, 1, schedUTC(2026, 4, 4, 14, 45)},
		{"Lord Howe daily 01:45 day after -> +10:30", time.Date(2026, 4, 4, 1, 45, 0, 0, lh), PeriodDaily, lh, 2, schedUTC(2026, 4, 5, 15, 15)},
	})
}

// Occurrences are strictly increasing and keep start's wall clock (and, monthly, its clamped day) except
// inside gaps, across many zones and wall times chosen around transitions.
func TestOccurrenceStrictlyIncreasing(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "America/Havana", "Australia/Lord_Howe",
		"Pacific/Apia", "Pacific/Chatham", "America/Santiago", "Asia/Tehran", "Australia/Sydney"}
	for _, z := range zones {
		loc := schedLoc(z)
		for _, hm := range [][2]int{{0, 0}, {0, 30}, {1, 30}, {2, 0}, {2, 30}, {3, 0}, {9, 0}, {23, 59}} {
			for _, day := range []int{1, 8, 28, 29, 30, 31} {
				start := time.Date(2010, 12, day, hm[0], hm[1], 0, 0, loc)
				for _, p := range []string{PeriodDaily, PeriodWeekly, PeriodMonthly} {
					n := map[string]int{PeriodDaily: 1200, PeriodWeekly: 400, PeriodMonthly: 200}[p]
					prev := Occurrence(start, p, loc, 0)
					if !prev.Equal(start) {
						t.Fatalf("%s %s %v: k=0 is %v, want start", z, p, start, prev)
					}
					sl := start.In(loc)
					gaps := 0
					for k := 1; k <= n; k++ {
						o := Occurrence(start, p, loc, k)
						if !o.After(prev) {
							t.Fatalf("%s %s %v: k=%d %v not after k=%d %v", z, p, start, k, o, k-1, prev)
						}
						ol := o.In(loc)
						if ol.Hour() != sl.Hour() || ol.Minute() != sl.Minute() {
							gaps++ // only a daylight-saving gap may change the wall clock
						}
						if p == PeriodMonthly && ol.Hour() == sl.Hour() && ol.Minute() == sl.Minute() {
							wantDay := min(sl.Day(), schedDaysIn(ol.Year(), ol.Month()))
							if ol.Day() != wantDay {
								t.Fatalf("%s monthly %v: k=%d on day %d, want %d", z, start, k, ol.Day(), wantDay)
							}
						}
						prev = o
					}
					if gaps > n/20+3 {
						t.Fatalf("%s %s %v: wall clock changed %d times in %d occurrences", z, p, start, gaps, n)
					}
				}
			}
		}
	}
}

func TestNextAfter(t *testing.T) {
	b, ny := schedBerlin, schedNewYork
	s := schedUTC(2026, 1, 10, 9, 0) // a Saturday
	jan31 := time.Date(2027, 1, 31, 9, 0, 0, 0, b)
	old := time.Date(2006, 1, 31, 9, 0, 0, 0, b)
	oldDaily := time.Date(2006, 3, 26, 9, 0, 0, 0, b)
	cases := []struct {
		name   string
		start  time.Time
		period string
		loc    *time.Location
		t      time.Time
		want   time.Time
	}{
		{"t long before start", s, PeriodDaily, time.UTC, schedUTC(2025, 6, 1, 0, 0), s},
		{"t just before start", s, PeriodDaily, time.UTC, s.Add(-time.Nanosecond), s},
		{"t at start gives k=1", s, PeriodDaily, time.UTC, s, schedUTC(2026, 1, 11, 9, 0)},
		{"t at k=5 gives k=6", s, PeriodDaily, time.UTC, schedUTC(2026, 1, 15, 9, 0), schedUTC(2026, 1, 16, 9, 0)},
		{"t between k=5 and k=6", s, PeriodDaily, time.UTC, schedUTC(2026, 1, 15, 12, 0), schedUTC(2026, 1, 16, 9, 0)},
		{"t 1ns before k=6", s, PeriodDaily, time.UTC, schedUTC(2026, 1, 16, 9, 0).Add(-time.Nanosecond), schedUTC(2026, 1, 16, 9, 0)},
		{"t given in Tokyo at k=5", s, PeriodDaily, time.UTC, time.Date(2026, 1, 15, 18, 0, 0, 0, schedTokyo), schedUTC(2026, 1, 16, 9, 0)},
		{"daily t 20 years later", s, PeriodDaily, time.UTC, schedUTC(2046, 7, 1, 12, 0), schedUTC(2046, 7, 2, 9, 0)},
		{"weekly t between", s, PeriodWeekly, time.UTC, schedUTC(2026, 1, 20, 0, 0), schedUTC(2026, 1, 24, 9, 0)},
		{"weekly t at k=1", s, PeriodWeekly, time.UTC, schedUTC(2026, 1, 17, 9, 0), schedUTC(2026, 1, 24, 9, 0)},
		{"weekly t 20 years later", s, PeriodWeekly, time.UTC, schedUTC(2046, 1, 10, 10, 0), schedUTC(2046, 1, 13, 9, 0)},
		{"monthly t before clamped Feb 28", jan31, PeriodMonthly, b, time.Date(2027, 2, 1, 0, 0, 0, 0, b), time.Date(2027, 2, 28, 9, 0, 0, 0, b)},
		{"monthly t 1min before Feb 28", jan31, PeriodMonthly, b, time.Date(2027, 2, 28, 8, 59, 0, 0, b), time.Date(2027, 2, 28, 9, 0, 0, 0, b)},
		{"monthly t at Feb 28 gives Mar 31", jan31, PeriodMonthly, b, time.Date(2027, 2, 28, 9, 0, 0, 0, b), time.Date(2027, 3, 31, 9, 0, 0, 0, b)},
		{"monthly started 20 years ago", old, PeriodMonthly, b, schedUTC(2026, 7, 15, 12, 0), time.Date(2026, 7, 31, 9, 0, 0, 0, b)},
		{"monthly 20 years at Feb 28 occurrence", old, PeriodMonthly, b, time.Date(2026, 2, 28, 9, 0, 0, 0, b), time.Date(2026, 3, 31, 9, 0, 0, 0, b)},
		{"daily 20 years, t at DST-day occurrence", oldDaily, PeriodDaily, b, schedUTC(2026, 3, 29, 7, 0), time.Date(2026, 3, 30, 9, 0, 0, 0, b)},
		{"daily 20 years, t 1min before DST-day occurrence", oldDaily, PeriodDaily, b, schedUTC(2026, 3, 29, 6, 59), schedUTC(2026, 3, 29, 7, 0)},
		{"daily 20 years, t in fall-back hour", oldDaily, PeriodDaily, b, schedUTC(2026, 10, 25, 7, 30), schedUTC(2026, 10, 25, 8, 0)},
		{"weekly NY across fall back", time.Date(2026, 10, 4, 9, 0, 0, 0, ny), PeriodWeekly, ny, schedUTC(2026, 10, 25, 13, 0), schedUTC(2026, 11, 1, 14, 0)},
		{"t at first instant of overlap skips the second", time.Date(2026, 10, 20, 2, 30, 0, 0, b), PeriodDaily, b, schedUTC(2026, 10, 25, 0, 30), schedUTC(2026, 10, 26, 1, 30)},
		{"t inside gap hour", time.Date(2026, 3, 20, 2, 30, 0, 0, b), PeriodDaily, b, schedUTC(2026, 3, 29, 1, 0), schedUTC(2026, 3, 29, 1, 30)},
		{"once t before start", s, PeriodOnce, b, schedUTC(2026, 1, 1, 0, 0), s},
		{"once t at start", s, PeriodOnce, b, s, time.Time{}},
		{"once t after start", s, PeriodOnce, b, schedUTC(2030, 1, 1, 0, 0), time.Time{}},
		{"unknown period", s, "yearly", b, schedUTC(2026, 1, 1, 0, 0), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := NextAfter(c.start, c.period, c.loc, c.t)
			if !got.Equal(c.want) {
				t.Fatalf("NextAfter(%v, %s, %v, %v) = %v, want %v", c.start, c.period, c.loc, c.t, got, c.want.UTC())
			}
			if got.Location() != time.UTC {
				t.Fatalf("result in %v, want UTC", got.Location())
			}
		})
	}
}

func TestLatestAtOrBefore(t *testing.T) {
	b, ny := schedBerlin, schedNewYork
	s := schedUTC(2026, 3, 1, 9, 0)
	cases := []struct {
		name   string
		start  time.Time
		period string
		loc    *time.Location
		t      time.Time
		want   time.Time
		ok     bool
	}{
		{"t before start", s, PeriodDaily, time.UTC, schedUTC(2026, 2, 28, 12, 0), time.Time{}, false},
		{"t 1ns before start", s, PeriodDaily, time.UTC, s.Add(-time.Nanosecond), time.Time{}, false},
		{"t at start", s, PeriodDaily, time.UTC, s, s, true},
		{"t 1h after start", s, PeriodDaily, time.UTC, schedUTC(2026, 3, 1, 10, 0), s, true},
		{"t at k=3", s, PeriodDaily, time.UTC, schedUTC(2026, 3, 4, 9, 0), schedUTC(2026, 3, 4, 9, 0), true},
		{"missed: t 3 days 1h after start", s, PeriodDaily, time.UTC, schedUTC(2026, 3, 4, 10, 0), schedUTC(2026, 3, 4, 9, 0), true},
		{"missed: t 1h before the 4th occurrence", s, PeriodDaily, time.UTC, schedUTC(2026, 3, 4, 8, 0), schedUTC(2026, 3, 3, 9, 0), true},
		{"weekly missed several", s, PeriodWeekly, time.UTC, schedUTC(2026, 4, 1, 0, 0), schedUTC(2026, 3, 29, 9, 0), true},
		{"weekly NY across fall back", time.Date(2026, 10, 4, 9, 0, 0, 0, ny), PeriodWeekly, ny, schedUTC(2026, 11, 20, 0, 0), time.Date(2026, 11, 15, 9, 0, 0, 0, ny), true},
		{"daily 20 years ago", time.Date(2006, 3, 26, 9, 0, 0, 0, b), PeriodDaily, b, schedUTC(2026, 7, 15, 6, 0), time.Date(2026, 7, 14, 9, 0, 0, 0, b), true},
		{"daily 20 years ago at occurrence", time.Date(2006, 3, 26, 9, 0, 0, 0, b), PeriodDaily, b, schedUTC(2026, 7, 15, 7, 0), time.Date(2026, 7, 15, 9, 0, 0, 0, b), true},
		{"monthly 20 years ago, clamped Feb", time.Date(2006, 1, 31, 9, 0, 0, 0, b), PeriodMonthly, b, schedUTC(2026, 3, 15, 0, 0), time.Date(2026, 2, 28, 9, 0, 0, 0, b), true},
		{"monthly t 1min before Mar 31", time.Date(2006, 1, 31, 9, 0, 0, 0, b), PeriodMonthly, b, time.Date(2026, 3, 31, 8, 59, 0, 0, b), time.Date(2026, 2, 28, 9, 0, 0, 0, b), true},
		{"overlap: t between the two 02:30s", time.Date(2026, 10, 20, 2, 30, 0, 0, b), PeriodDaily, b, schedUTC(2026, 10, 25, 1, 30), schedUTC(2026, 10, 25, 0, 30), true},
		{"once t before", s, PeriodOnce, b, schedUTC(2026, 1, 1, 0, 0), time.Time{}, false},
		{"once t at start", s, PeriodOnce, b, s, s, true},
		{"once years later", s, PeriodOnce, b, schedUTC(2040, 1, 1, 0, 0), s, true},
		{"unknown period", s, "", b, schedUTC(2027, 1, 1, 0, 0), time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := LatestAtOrBefore(c.start, c.period, c.loc, c.t)
			if ok != c.ok || !got.Equal(c.want) {
				t.Fatalf("LatestAtOrBefore(%v, %s, %v, %v) = %v, %v, want %v, %v", c.start, c.period, c.loc, c.t, got, ok, c.want.UTC(), c.ok)
			}
			if got.Location() != time.UTC {
				t.Fatalf("result in %v, want UTC", got.Location())
			}
		})
	}
}

// Random starts, periods, zones and instants (fixed seed): LatestAtOrBefore(t) <= t < NextAfter(t), the two
// are consecutive occurrences, and, where a brute-force walk over k is affordable, they are exactly the
// occurrences found by the walk, and the index estimate is off by at most one.
func TestNextLatestProperty(t *testing.T) {
	zones := []*time.Location{time.UTC, schedBerlin, schedNewYork, schedHavana, schedLordHowe, schedApia,
		schedTokyo, schedLoc("Australia/Sydney"), schedLoc("America/Santiago"), schedLoc("Asia/Kolkata"),
		schedLoc("Pacific/Chatham"), schedLoc("America/St_Johns")}
	periods := []string{PeriodOnce, PeriodDaily, PeriodWeekly, PeriodMonthly}
	span := map[string]time.Duration{ // how far past start t may go in the brute-force cases
		PeriodOnce: 400 * 24 * time.Hour, PeriodDaily: 400 * 24 * time.Hour,
		PeriodWeekly: 3 * 365 * 24 * time.Hour, PeriodMonthly: 20 * 365 * 24 * time.Hour,
	}
	r := rand.New(rand.NewPCG(20260329, 20261025))
	base := schedUTC(1995, 1, 1, 0, 0)
	for i := range 4000 {
		loc := zones[r.IntN(len(zones))]
		p := periods[r.IntN(len(periods))]
		hour := r.IntN(24)
		if r.IntN(2) == 0 {
			hour = r.IntN(4) // near most transitions
		}
		d0 := base.AddDate(0, 0, r.IntN(45*365))
		start := time.Date(d0.Year(), d0.Month(), d0.Day(), hour, r.IntN(4)*15, 0, 0, loc)
		if r.IntN(5) == 0 {
			start = time.Date(d0.Year(), d0.Month(), 28+r.IntN(4), hour, 30, 0, 0, loc) // month ends
		}
		far := r.IntN(4) == 0
		var tt time.Time
		if far {
			tt = start.Add(time.Duration(r.Int64N(int64(80 * 365 * 24 * time.Hour))))
		} else {
			tt = start.Add(time.Duration(r.Int64N(int64(span[p]+20*24*time.Hour))) - 20*24*time.Hour)
		}
		if r.IntN(4) == 0 { // land exactly on an occurrence
			if o, ok := LatestAtOrBefore(start, p, loc, tt); ok {
				tt = o
			}
		}

		latest, ok := LatestAtOrBefore(start, p, loc, tt)
		next := NextAfter(start, p, loc, tt)
		where := func() string {
			return fmt.Sprintf("case %d: %s in %v, start %v, t %v", i, p, loc, start, tt.UTC())
		}
		if tt.Before(start) {
			if ok || !next.Equal(start) {
				t.Fatalf("%s: before start: latest %v %v, next %v", where(), latest, ok, next)
			}
			continue
		}
		if !ok || latest.After(tt) {
			t.Fatalf("%s: latest %v %v not <= t", where(), latest, ok)
		}
		if p == PeriodOnce {
			if !latest.Equal(start) || !next.IsZero() {
				t.Fatalf("%s: once: latest %v next %v", where(), latest, next)
			}
			continue
		}
		if !next.After(tt) {
			t.Fatalf("%s: next %v not > t", where(), next)
		}
		if n2 := NextAfter(start, p, loc, latest); !n2.Equal(next) {
			t.Fatalf("%s: NextAfter(latest %v) = %v, want %v", where(), latest, n2, next)
		}
		if l2, _ := LatestAtOrBefore(start, p, loc, next.Add(-time.Nanosecond)); !l2.Equal(latest) {
			t.Fatalf("%s: LatestAtOrBefore(next-1ns) = %v, want %v", where(), l2, latest)
		}
		if l3, _ := LatestAtOrBefore(start, p, loc, next); !l3.Equal(next) {
			t.Fatalf("%s: LatestAtOrBefore(next) = %v, want next %v", where(), l3, next)
		}
		if far {
			continue
		}
		// Brute force: walk k from 0.
		k := 0
		for !Occurrence(start, p, loc, k+1).After(tt) {
			k++
		}
		if w := Occurrence(start, p, loc, k); !latest.Equal(w) {
			t.Fatalf("%s: latest %v, brute force k=%d %v", where(), latest, k, w)
		}
		if w := Occurrence(start, p, loc, k+1); !next.Equal(w) {
			t.Fatalf("%s: next %v, brute force k=%d %v", where(), next, k+1, w)
		}
		if e := schedNearIndex(start, p, loc, tt); e < k-1 || e > k+1 {
			t.Fatalf("%s: index estimate %d, true index %d", where(), e, k)
		}
	}
}

// NextAfter and LatestAtOrBefore on schedules started decades ago give the same answer as a brute-force walk.
func TestNextAfterLongAgoMatchesWalk(t *testing.T) {
	for _, p := range []string{PeriodDaily, PeriodWeekly, PeriodMonthly} {
		start := time.Date(1996, 1, 31, 2, 30, 0, 0, schedBerlin)
		tt := schedUTC(2026, 3, 29, 1, 0) // inside Berlin's gap hour
		k := 0
		for !Occurrence(start, p, schedBerlin, k+1).After(tt) {
			k++
		}
		if got, want := NextAfter(start, p, schedBerlin, tt), Occurrence(start, p, schedBerlin, k+1); !got.Equal(want) {
			t.Errorf("%s: NextAfter = %v, walk gives %v", p, got, want)
		}
		if got, _ := LatestAtOrBefore(start, p, schedBerlin, tt); !got.Equal(Occurrence(start, p, schedBerlin, k)) {
			t.Errorf("%s: LatestAtOrBefore = %v, walk gives %v", p, got, Occurrence(start, p, schedBerlin, k))
		}
	}
}

func BenchmarkNextAfter(b *testing.B) {
	now := schedUTC(2026, 7, 15, 12, 0)
	for _, p := range []string{PeriodDaily, PeriodWeekly, PeriodMonthly} {
		start := time.Date(2006, 1, 31, 9, 0, 0, 0, schedBerlin) // 20 years before now
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				if NextAfter(start, p, schedBerlin, now).IsZero() {
					b.Fatal("zero")
				}
			}
		})
	}
}
