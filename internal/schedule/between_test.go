package schedule

import (
	"testing"
	"time"
)

// Between lists a window's occurrences in a range: a daily 09:00 in
// Europe/Berlin stays 09:00 over the March change, a weekday window skips
// the weekend, and the range's ends are from inclusive, to exclusive.
func TestBetween(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, time.March, 25, 9, 0, 0, 0, berlin) // a Wednesday
	weekdays, _ := ParseWeekdays([]string{"mon", "tue", "wed", "thu", "fri"})
	for _, c := range []struct {
		name     string
		days     Weekdays
		from, to time.Time
		want     []int // days of March/April after the 24th: 25 … 31, 32 = 1 April
	}{
		{"every day over the change", 0, start, time.Date(2026, time.April, 2, 0, 0, 0, 0, berlin), []int{25, 26, 27, 28, 29, 30, 31, 32}},
		{"weekdays skip the weekend of the change", weekdays, start, time.Date(2026, time.April, 2, 0, 0, 0, 0, berlin), []int{25, 26, 27, 30, 31, 32}},
		{"from is inclusive, to exclusive", 0, start.AddDate(0, 0, 1), start.AddDate(0, 0, 3), []int{26, 27}},
		{"before the start", 0, start.AddDate(0, 0, -5), start.AddDate(0, 0, 1), []int{25}},
		{"an empty range", 0, start.AddDate(0, 0, 1), start.AddDate(0, 0, 1), nil},
	} {
		got := Between(start, PeriodDaily, berlin, c.days, c.from, c.to)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want days %v", c.name, got, c.want)
			continue
		}
		for i, o := range got {
			l := o.In(berlin)
			want := time.Date(2026, time.March, c.want[i], 9, 0, 0, 0, berlin)
			if !l.Equal(want) || l.Hour() != 9 {
				t.Errorf("%s: occurrence %d at %s, want %s", c.name, i, l, want)
			}
		}
	}
}
