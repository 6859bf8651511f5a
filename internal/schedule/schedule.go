// Package schedule is the arithmetic of schedule windows: the occurrences
// of a window that starts at a time and repeats once, daily, weekly or
// monthly in its owner's time zone (a month's last day clamped, daylight
// saving resolved as RFC 5545 does), the next one after an instant and
// the latest one at or before it. It knows nothing of the database: the
// dispatcher and the pages give it times and get times back.
package schedule

import "time"

// Period values of schedules.period.
const (
	PeriodOnce    = "once"
	PeriodDaily   = "daily"
	PeriodWeekly  = "weekly"
	PeriodMonthly = "monthly"
)

// ValidPeriod tells whether p is one of the four periods.
func ValidPeriod(p string) bool {
	switch p {
	case PeriodOnce, PeriodDaily, PeriodWeekly, PeriodMonthly:
		return true
	}
	return false
}

// Occurrence returns the k-th occurrence (k >= 0) of a schedule that starts at start and repeats with period,
// counted in loc: the same wall-clock time as start in loc, +k days, +7k days, or +k months on the same day
// of the month as start, clamped to the month's last day (start Jan 31 -> Feb 28 (Feb 29 in leap years) -> Mar 31 -> Apr 30:
// always anchored to start's day, never drifting). For once, k=0 is start and any other k gives the zero time.
// The result is returned in UTC.
//
// Every occurrence is computed from start and k alone (never by adding to the previous occurrence), so an
// irregular day never shifts the ones after it. Occurrence(start, p, loc, 0) is always start itself.
//
// Wall-clock times that do not exist or exist twice in loc are resolved the way RFC 5545 does, identically in
// every zone (time.Date alone does not: see schedResolveWall):
//   - a time inside a spring-forward gap is read with the UTC offset in force before the gap, i.e. it moves
//     forward by the length of the gap: 02:30 on 2026-03-29 in Europe/Berlin, or on 2026-03-08 in
//     America/New_York, becomes 03:30 local (the next day is 02:30 again);
//   - a time inside a fall-back overlap is the first of its two instants (the one still on summer time):
//     02:30 on 2026-10-25 in Europe/Berlin is 02:30 CEST = 00:30 UTC;
//   - a gap of a whole day or more (the calendar-day skips of Pacific/Apia on 2011-12-30 and the like) yields
//     the first instant after the gap (local midnight of the next day), or the last instant before it when
//     the wall time is exactly 00:00:00, which keeps occurrences strictly increasing.
//
// A nil loc means UTC. An unknown period and a negative k give the zero time.
func Occurrence(start time.Time, period string, loc *time.Location, k int) time.Time {
	if k < 0 || !ValidPeriod(period) {
		return time.Time{}
	}
	if k == 0 {
		return start.UTC()
	}
	if loc == nil {
		loc = time.UTC
	}
	s := start.In(loc)
	y, m, d := s.Date()
	hh, mm, ss := s.Clock()
	ns := s.Nanosecond()
	switch period {
	case PeriodDaily:
		d += k
	case PeriodWeekly:
		d += 7 * k
	case PeriodMonthly:
		months := int(m) - 1 + k
		y += months / 12
		m = time.Month(months%12 + 1)
		if last := schedDaysIn(y, m); d > last {
			d = last
		}
	default: // PeriodOnce
		return time.Time{}
	}
	return schedResolveWall(y, m, d, hh, mm, ss, ns, loc).UTC()
}

// NextAfter returns the first occurrence strictly after t (zero time when there is none, i.e. once and t >= start).
// If t is before start it returns start (in UTC).
//
// It estimates the occurrence index from the calendar distance between start and t and then steps at most a
// couple of times, so its cost does not depend on how long ago the schedule started.
// An unknown period gives the zero time.
func NextAfter(start time.Time, period string, loc *time.Location, t time.Time) time.Time {
	if !ValidPeriod(period) {
		return time.Time{}
	}
	if t.Before(start) {
		return start.UTC()
	}
	if period == PeriodOnce {
		return time.Time{}
	}
	// Smallest k with Occurrence(k) > t; k = 0 is excluded because Occurrence(0) = start <= t.
	k := max(schedNearIndex(start, period, loc, t), 1)
	for i := 0; k > 1 && Occurrence(start, period, loc, k-1).After(t); i++ {
		if i == schedMaxSteps {
			return time.Time{}
		}
		k--
	}
	for i := 0; ; i++ {
		if o := Occurrence(start, period, loc, k); o.After(t) {
			return o
		}
		if i == schedMaxSteps {
			return time.Time{}
		}
		k++
	}
}

// LatestAtOrBefore returns the last occurrence at or before t, and false when there is none (t before start).
// Like NextAfter it costs a handful of Occurrence calls whatever the distance between start and t.
// An unknown period gives false.
func LatestAtOrBefore(start time.Time, period string, loc *time.Location, t time.Time) (time.Time, bool) {
	if !ValidPeriod(period) || t.Before(start) {
		return time.Time{}, false
	}
	if period == PeriodOnce {
		return start.UTC(), true
	}
	// Largest k with Occurrence(k) <= t; k = 0 always qualifies.
	k := schedNearIndex(start, period, loc, t)
	for i := 0; k > 0 && Occurrence(start, period, loc, k).After(t); i++ {
		if i == schedMaxSteps {
			return time.Time{}, false
		}
		k--
	}
	for i := 0; ; i++ {
		if Occurrence(start, period, loc, k+1).After(t) {
			return Occurrence(start, period, loc, k), true
		}
		if i == schedMaxSteps {
			return time.Time{}, false
		}
		k++
	}
}

// schedMaxSteps bounds the correction loops of NextAfter and LatestAtOrBefore. schedNearIndex is off by at most one,
// so the bound is only reached for instants so far away that time.Date no longer computes them (hundreds of
// millions of years), where the functions give up instead of looping.
const schedMaxSteps = 16

// schedNearIndex estimates the index of the last occurrence at or before t (t >= start) from the calendar
// distance in loc between start's date and t's date: whole days, weeks, or months. The estimate is never off
// by more than one, because the k-th occurrence falls on start's local date + k periods (a time inside a
// daylight-saving gap can move to the next date, never further).
func schedNearIndex(start time.Time, period string, loc *time.Location, t time.Time) int {
	if loc == nil {
		loc = time.UTC
	}
	sy, sm, sd := start.In(loc).Date()
	ty, tm, td := t.In(loc).Date()
	var k int
	switch period {
	case PeriodDaily, PeriodWeekly:
		days := int((time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Unix() - time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC).Unix()) / 86400)
		if period == PeriodWeekly {
			days /= 7
		}
		k = days
	case PeriodMonthly:
		k = (ty-sy)*12 + int(tm) - int(sm)
	}
	return max(k, 0)
}

// schedDaysIn returns the number of days of month m of year y.
func schedDaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// schedResolveWall returns the instant at which the clock in loc shows the given wall-clock time (the fields may
// be out of range, as for time.Date), resolving gaps and overlaps as documented on Occurrence.
//
// time.Date itself only promises that, for such a time, the result "is correct in one of the two zones
// involved in the transition", and which one it picks depends on the sign of the zone's offset: for 02:30 in
// a spring-forward gap it gives 03:30 in Europe/Berlin but 01:30 in America/New_York, and for a fall-back
// overlap it gives the second instant in Berlin but the first in New York. So its answer is only taken as
// a candidate here.
func schedResolveWall(y int, m time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
	w := time.Date(y, m, d, hh, mm, ss, ns, time.UTC) // the wanted wall clock, normalised
	t := time.Date(y, m, d, hh, mm, ss, ns, loc)
	_, off := t.Zone()
	if !schedWallOf(t, loc).Equal(w) {
		// Gap: t was computed with one of the two offsets around the transition but lies in the zone of the
		// other one (off). The candidate read with the earlier (smaller) offset is the later instant, the
		// wall time pushed forward by the length of the gap.
		other := w.Add(-time.Duration(off) * time.Second).In(loc)
		fwd, back := t, other
		if other.After(t) {
			fwd, back = other, t
		}
		if fwd.Sub(back) >= 24*time.Hour {
			// A whole calendar day is skipped: moving forward by the gap would land on the next day's
			// occurrence, and reading it with the later offset on the previous day's. Use the first instant
			// after the gap (the start of the zone fwd is in), or, when that is the next day's occurrence
			// (a wall time of exactly midnight), the last instant before the gap.
			if zs, _ := fwd.ZoneBounds(); !zs.IsZero() && zs.After(back) {
				if zs.Equal(fwd) {
					return zs.Add(-time.Nanosecond)
				}
				return zs
			}
		}
		return fwd
	}
	// Overlap: look for the same wall time in the zones just before and just after t's zone and keep the
	// earliest instant that shows it.
	best := t
	zs, ze := t.ZoneBounds()
	var neighbours []time.Time
	if !zs.IsZero() {
		neighbours = append(neighbours, zs.Add(-time.Nanosecond))
	}
	if !ze.IsZero() {
		neighbours = append(neighbours, ze)
	}
	for _, n := range neighbours {
		_, noff := n.Zone()
		if noff == off {
			continue
		}
		c := w.Add(-time.Duration(noff) * time.Second)
		if c.Before(best) && schedWallOf(c, loc).Equal(w) {
			best = c
		}
	}
	return best
}

// schedWallOf returns the wall clock that loc shows at t, as a UTC time with the same fields.
func schedWallOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	return time.Date(y, m, d, hh, mm, ss, l.Nanosecond(), time.UTC)
}

// KnownZone tells whether name is an IANA time zone name Go knows
// ("Local", the server's own, is none).
func KnownZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Zone is the location of a user's time zone name; an empty or unknown
// name counts in UTC (users.timezone is checked on save, so that is rare).
func Zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
