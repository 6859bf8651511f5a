package schedule

import "time"

// A window sent at each recipient's own time (schedules.recipient_time)
// reaches every client at its occurrence's wall clock (read in the owner's
// zone) in the client's zone. Clocks run from UTC+14 (Pacific/Kiritimati)
// to UTC−12 (Etc/GMT+12), so the first client reaches a wall clock 14 hours
// before UTC does, and the last 12 hours after: an occurrence begins up to
// 26 hours before the owner's own.
const (
	aheadMost  = 14 * time.Hour
	behindMost = 12 * time.Hour
)

// AtRecipient is when a client whose zone is client reaches occurrence o of
// a window counted in owner: o's wall clock in owner, in client's zone. A
// wall clock that does not exist there that day, or exists twice, is
// resolved as Occurrence resolves it (moved forward by the gap; the first
// of the two). Nil zones mean UTC.
func AtRecipient(o time.Time, owner, client *time.Location) time.Time {
	w := o.In(orUTC(owner))
	y, m, d := w.Date()
	hh, mm, ss := w.Clock()
	return schedResolveWall(y, m, d, hh, mm, ss, w.Nanosecond(), orUTC(client)).UTC()
}

// FirstRecipient is the earliest instant at which any zone reaches
// occurrence o's wall clock in owner: never after AtRecipient for any zone.
// The dispatcher claims such an occurrence then (schedules.next_run_at).
func FirstRecipient(o time.Time, owner *time.Location) time.Time {
	return schedWallOf(o, orUTC(owner)).Add(-aheadMost)
}

// LatestBegunOn is LatestAtOrBeforeOn for a window sent at each
// recipient's own time: the last occurrence that some zone has reached by
// t (FirstRecipient(o) <= t); false when none has.
func LatestBegunOn(start time.Time, period string, loc *time.Location, t time.Time, days Weekdays) (time.Time, bool) {
	// FirstRecipient(o) >= o - 26 h, as no owner's zone is behind UTC−12
	o, ok := LatestAtOrBeforeOn(start, period, loc, t.Add(aheadMost+behindMost), days)
	for i := 0; ok && FirstRecipient(o, loc).After(t); i++ {
		if i == schedMaxSteps {
			return time.Time{}, false
		}
		o, ok = LatestAtOrBeforeOn(start, period, loc, o.Add(-time.Nanosecond), days)
	}
	return o, ok
}

// LastRecipient is the last instant at which a zone reaches occurrence o's
// wall clock in owner (UTC−12): never before AtRecipient for any zone.
func LastRecipient(o time.Time, owner *time.Location) time.Time {
	return schedWallOf(o, orUTC(owner)).Add(behindMost)
}

// BeginningAt is the first occurrence that begins (FirstRecipient) at or
// after at: the one a window sent at each recipient's own time waits for
// when its next_run_at is at. Zero when there is none.
func BeginningAt(start time.Time, period string, loc *time.Location, at time.Time, days Weekdays) time.Time {
	// o >= FirstRecipient(o): the first occurrence from at is no later
	o := NextAfterOn(start, period, loc, at.Add(-time.Nanosecond), days)
	for i := 0; !o.IsZero() && FirstRecipient(o, loc).Before(at); i++ {
		if i == schedMaxSteps {
			return time.Time{}
		}
		o = NextAfterOn(start, period, loc, o, days)
	}
	return o
}

// DueAtRecipients is the occurrence a dispatch pass at t sends of a window
// sent at each recipient's own time whose next_run_at is from: the oldest
// occurrence from there on that has begun by t and that some zone has
// still to reach (so a late claim still reaches those to come), else the
// latest begun (missed ones are not sent in a burst); false when none has
// begun.
func DueAtRecipients(start time.Time, period string, loc *time.Location, from, t time.Time, days Weekdays) (time.Time, bool) {
	latest, ok := LatestBegunOn(start, period, loc, t, days)
	if !ok {
		return latest, false
	}
	// an occurrence some zone has still to reach is after t − 26 h
	if early := t.Add(-aheadMost - behindMost); from.Before(early) {
		from = FirstRecipient(early, loc)
	}
	o := BeginningAt(start, period, loc, from, days)
	for i := 0; !o.IsZero() && o.Before(latest); i++ {
		if i == schedMaxSteps || !LastRecipient(o, loc).Before(t) {
			break
		}
		o = NextAfterOn(start, period, loc, o, days)
	}
	if o.IsZero() || o.After(latest) {
		return latest, true
	}
	return o, true
}
