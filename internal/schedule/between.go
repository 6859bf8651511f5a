package schedule

import "time"

// Between lists a window's occurrences (of its kept days) from from, inclusive, to to,
// exclusive. It walks with NextAfterOn, so it costs a handful of
// Occurrence calls per occurrence listed, whenever the window started.
func Between(start time.Time, period string, loc *time.Location, days Weekdays, from, to time.Time) []time.Time {
	var out []time.Time
	for o := NextAfterOn(start, period, loc, from.Add(-time.Nanosecond), days); !o.IsZero() && o.Before(to); o = NextAfterOn(start, period, loc, o, days) {
		out = append(out, o)
	}
	return out
}
