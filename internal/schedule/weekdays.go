package schedule

import (
	"fmt"
	"time"
)

// Weekdays are the days of the week a daily window keeps (schedules.weekdays:
// mon … sun), a bit per time.Weekday; none means every day.
type Weekdays uint8

// WeekdayNames are the values of schedules.weekdays, Sunday first as
// time.Weekday counts.
var WeekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWeekdays reads the names of schedules.weekdays.
func ParseWeekdays(names []string) (Weekdays, error) {
	var w Weekdays
	for _, n := range names {
		i := -1
		for d, name := range WeekdayNames {
			if name == n {
				i = d
			}
		}
		if i < 0 {
			return 0, fmt.Errorf("%q is not a day of the week (mon … sun)", n)
		}
		w |= 1 << i
	}
	return w, nil
}

// Has tells whether the window keeps day (every day when w is empty).
func (w Weekdays) Has(day time.Weekday) bool { return w == 0 || w&(1<<day) != 0 }

// NextAfterOn is NextAfter for a window that keeps only days: a daily
// occurrence counts when its own date (start's date + k days in loc, before
// any daylight-saving shift) falls on one of them. Other periods ignore days.
func NextAfterOn(start time.Time, period string, loc *time.Location, t time.Time, days Weekdays) time.Time {
	if days == 0 || period != PeriodDaily {
		return NextAfter(start, period, loc, t)
	}
	k := 0
	if !t.Before(start) {
		next := NextAfter(start, period, loc, t)
		if next.IsZero() {
			return next
		}
		k = indexOf(start, loc, next)
	}
	for i := range 7 {
		if days.Has(weekdayOf(start, loc, k+i)) {
			return Occurrence(start, period, loc, k+i)
		}
	}
	return time.Time{} // days is never empty here: unreachable
}

// LatestAtOrBeforeOn is LatestAtOrBefore for a window that keeps only days
// (see NextAfterOn); false when no kept occurrence has come by t.
func LatestAtOrBeforeOn(start time.Time, period string, loc *time.Location, t time.Time, days Weekdays) (time.Time, bool) {
	if days == 0 || period != PeriodDaily {
		return LatestAtOrBefore(start, period, loc, t)
	}
	latest, ok := LatestAtOrBefore(start, period, loc, t)
	if !ok {
		return latest, false
	}
	k := indexOf(start, loc, latest)
	for i := range 7 {
		if k-i < 0 {
			break
		}
		if days.Has(weekdayOf(start, loc, k-i)) {
			return Occurrence(start, period, loc, k-i), true
		}
	}
	return time.Time{}, false
}

// weekdayOf is the day of the week of a daily window's k-th occurrence by
// its date: start's date in loc + k days.
func weekdayOf(start time.Time, loc *time.Location, k int) time.Weekday {
	return time.Weekday((int(start.In(orUTC(loc)).Weekday()) + k%7) % 7)
}

// indexOf is k of a daily window's occurrence o (one of its occurrences).
func indexOf(start time.Time, loc *time.Location, o time.Time) int {
	k := schedNearIndex(start, PeriodDaily, loc, o)
	for k > 0 && Occurrence(start, PeriodDaily, loc, k).After(o) {
		k--
	}
	for Occurrence(start, PeriodDaily, loc, k).Before(o) {
		k++
	}
	return k
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
