package schedule

import (
	"testing"
	"time"
)

// A join counts inside the window, its ends included; its welcome comes
// delay_minutes later, after the window's end too.
func TestWelcomeAt(t *testing.T) {
	start := time.Date(2026, time.December, 5, 9, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 7)
	for _, c := range []struct {
		name   string
		joined time.Time
		delay  int
		want   time.Time // zero: the join does not count
	}{
		{"at once", start.Add(time.Hour), 0, start.Add(time.Hour)},
		{"a day later", start.Add(time.Hour), 1440, start.Add(25 * time.Hour)},
		{"at the start", start, 30, start.Add(30 * time.Minute)},
		{"at the end", end, 30, end.Add(30 * time.Minute)},
		{"before the end, delay past it: still sent", end.Add(-time.Hour), 3 * 1440, end.Add(-time.Hour).AddDate(0, 0, 3)},
		{"the longest delay", start, MaxDelayMinutes, start.Add(MaxDelayMinutes * time.Minute)},
		{"before the start", start.Add(-time.Second), 0, time.Time{}},
		{"after the end", end.Add(time.Second), 0, time.Time{}},
		{"a negative delay", start, -1, time.Time{}},
		{"past a year", start, MaxDelayMinutes + 1, time.Time{}},
	} {
		got, ok := WelcomeAt(start, end, c.joined, c.delay)
		if ok != !c.want.IsZero() || !got.Equal(c.want) {
			t.Errorf("%s: %s %v, want %s", c.name, got, ok, c.want)
		}
	}
}

// Joins on one day of the owner's zone share a welcome run, whatever
// their UTC date; the next local day starts another, across a
// daylight-saving change and a zone whose day differs from UTC's.
func TestWelcomeDay(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	apia, _ := time.LoadLocation("Pacific/Apia")
	for _, c := range []struct {
		name   string
		loc    *time.Location
		joined time.Time
		want   time.Time
	}{
		{"Berlin morning", berlin, time.Date(2026, 3, 29, 10, 0, 0, 0, berlin), time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)},
		{"Berlin just before midnight", berlin, time.Date(2026, 3, 29, 23, 59, 0, 0, berlin), time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)},
		{"Berlin 00:30 local is the day before in UTC", berlin, time.Date(2026, 3, 30, 0, 30, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)},
		{"Apia, 13 hours ahead of UTC", apia, time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 0, 0, 0, 0, apia)},
		{"nil is UTC", nil, time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
	} {
		if got := WelcomeDay(c.joined, c.loc); !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%s: %s, want %s", c.name, got, c.want.UTC())
		}
	}
}
