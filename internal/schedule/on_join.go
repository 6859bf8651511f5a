package schedule

import "time"

// PeriodOnJoin is the period of a welcome window (schedules.period
// on_join): it has no occurrences of its own; each client who joins its
// list while it is open gets the mailing once, delay_minutes after joining.
const PeriodOnJoin = "on_join"

// MaxDelayMinutes is the longest delay of a welcome window: a year.
const MaxDelayMinutes = 525600

// WelcomeAt is when a client who joined at joined gets a welcome window's
// mailing, and false when the join does not count: before the window's
// start or after its end. A join inside the window counts whatever the
// delay: its welcome may come after the window's end (the window chose
// who is welcomed, the delay only when), and the mailing completes once
// the last such welcome has gone.
func WelcomeAt(start, end, joined time.Time, delayMinutes int) (time.Time, bool) {
	if joined.Before(start) || joined.After(end) || delayMinutes < 0 || delayMinutes > MaxDelayMinutes {
		return time.Time{}, false
	}
	return joined.Add(time.Duration(delayMinutes) * time.Minute).UTC(), true
}

// WelcomeDay is the day of the welcome run a join at joined goes into:
// the start of joined's date in loc (the owner's zone), in UTC, so that a
// run's page reads "joined on 5 Dec". A midnight that does not exist in
// loc resolves as Occurrence's times do.
func WelcomeDay(joined time.Time, loc *time.Location) time.Time {
	y, m, d := joined.In(orUTC(loc)).Date()
	return schedResolveWall(y, m, d, 0, 0, 0, 0, orUTC(loc)).UTC()
}
