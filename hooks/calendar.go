package hooks

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// The calendar (GET /api/postrider/calendar?from=&to=): every occurrence of
// the caller's windows that is still to send in a range of days of the
// caller's zone, each with its mailing and the mailing's reach now; with
// all=1, a moderator's view of every user's, with their owners.

// calendarMaxDays is the longest range one request may ask for: a month
// and the days of the next one a month grid shows.
const calendarMaxDays = 62

// calendarMaxItems bounds the answer for the whole service (a moderator's
// all=1): past it, the answer stops and says there is more.
const calendarMaxItems = 10000

// CalendarItem is one occurrence to come.
type CalendarItem struct {
	At     types.DateTime  `json:"at"`
	Day    string          `json:"day"` // its date in the caller's zone
	Window CalendarWindow  `json:"window"`
	Mail   CalendarMailing `json:"mailing"`
	// why it will not go out at that time unless someone acts:
	// "stopped", "blocked" (its owner), "approval_pending",
	// "approval_rejected"; "" when it will send
	Held  string         `json:"held"`
	Owner *CalendarOwner `json:"owner,omitempty"` // all=1 only
}

// CalendarWindow is the window an occurrence belongs to; a welcome
// (on_join) window names its list and delay, and is one item, at its start
// or the range's first day, not occurrences.
type CalendarWindow struct {
	ID           string         `json:"id"`
	Period       string         `json:"period"`
	StartsAt     types.DateTime `json:"starts_at"`
	EndsAt       types.DateTime `json:"ends_at"`
	ListName     string         `json:"list_name,omitempty"`
	DelayMinutes int            `json:"delay_minutes,omitempty"`
}

// CalendarMailing is an occurrence's mailing: its sender ("" for none: it
// goes out as its owner) and whom it reaches now (a mailing sent once per
// client, those it has not reached yet; 0 for a welcome window's item,
// whose audience is who will join).
type CalendarMailing struct {
	ID          string `json:"id"`
	Subject     string `json:"subject"`
	SenderName  string `json:"sender_name"`
	SenderEmail string `json:"sender_email"`
	Recipients  int    `json:"recipients"`
}

// CalendarOwner is whose mailing it is, for moderators.
type CalendarOwner struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// calendarWindow is a window of a mailing that has not completed, read
// with what its occurrences show.
type calendarWindow struct {
	ID         string                  `db:"id"`
	Mailing    string                  `db:"mailing"`
	Period     string                  `db:"period"`
	StartsAt   types.DateTime          `db:"starts_at"`
	EndsAt     types.DateTime          `db:"ends_at"`
	NextRunAt  types.DateTime          `db:"next_run_at"`
	Weekdays   types.JSONArray[string] `db:"weekdays"`
	Recipient  bool                    `db:"recipient_time"`
	ListName   string                  `db:"list_name"`
	Delay      int                     `db:"delay_minutes"`
	Owner      string                  `db:"owner"`
	OwnerEmail string                  `db:"owner_email"`
	Timezone   string                  `db:"timezone"`
	Subject    string                  `db:"subject"`
	Lists      types.JSONArray[string] `db:"lists"`
	Clients    types.JSONArray[string] `db:"clients"`
	Once       bool                    `db:"once_per_client"`
	Picked     int                     `db:"picked"`
	SenderName string                  `db:"sender_name"`
	SenderMail string                  `db:"sender_email"`
	MaySend    bool                    `db:"may_send"`
	Stopped    bool                    `db:"stopped"`
	Blocked    bool                    `db:"blocked"`
	Approval   string                  `db:"approval"`
}

func calendarRoute(e *core.RequestEvent) error {
	all := e.Request.URL.Query().Get("all") == "1"
	if all && !isModerator(e.Auth) {
		return e.ForbiddenError("Only moderators can see every user's calendar.", nil)
	}
	loc := schedule.Zone(e.Auth.GetString("timezone"))
	from, to, err := calendarRange(e, loc)
	if err != nil {
		return err
	}
	owner := e.Auth.Id
	if all {
		owner = ""
	}
	items, more, err := calendar(e.Request.Context(), e.App, owner, loc, from, to, time.Now())
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{
		"from": e.Request.URL.Query().Get("from"), "to": e.Request.URL.Query().Get("to"),
		"timezone": loc.String(), "items": items, "more": more,
	})
}

// calendarRange reads from and to, both required days of loc, to not
// before from and at most calendarMaxDays days in all; it returns the first
// instant of from and the first after to.
func calendarRange(e *core.RequestEvent, loc *time.Location) (from, to time.Time, err error) {
	q := e.Request.URL.Query()
	days := map[string]time.Time{}
	for _, param := range []string{"from", "to"} {
		day, perr := time.ParseInLocation("2006-01-02", q.Get(param), loc)
		if perr != nil {
			msg := "Give " + param + " as a date such as 2027-03-01."
			return from, to, e.BadRequestError(msg, fieldError(param, "validation_invalid_date", msg))
		}
		days[param] = day
	}
	from, last := days["from"], days["to"]
	if last.Before(from) {
		msg := "The range must end on or after its first day."
		return from, to, e.BadRequestError(msg, fieldError("to", "validation_to_before_from", msg))
	}
	to = time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	if time.Date(from.Year(), from.Month(), from.Day()+calendarMaxDays, 0, 0, 0, 0, loc).Before(to) {
		msg := "Ask for at most 62 days at once."
		return from, to, e.BadRequestError(msg, fieldError("to", "validation_range_too_long", msg))
	}
	return from, to, nil
}

// calendar lists the occurrences from from to to (exclusive) of owner's
// windows (every owner's when owner is ""), soonest first, in three
// queries plus one per owner shown: the windows with their mailings, and
// the reach groups of each owner (reachGroups), and one per mailing sent
// once per client (reachedAudience). more tells that the answer stopped at
// calendarMaxItems.
func calendar(ctx context.Context, app core.App, owner string, loc *time.Location, from, to, now time.Time) ([]CalendarItem, bool, error) {
	scope := "TRUE"
	if owner != "" {
		scope = "m.[[owner]] = {:owner}"
	}
	toText := to
	if toText.After(lastDateTime) {
		toText = lastDateTime
	}
	var windows []calendarWindow
	// a window whose next occurrence is set has one to come (a stopped
	// mailing's stays where it was: it is sent on resuming); a welcome
	// window, open or opening in the range, is shown once (the dispatcher
	// clears its next_run_at when it opens); a completed mailing sends
	// nothing again
	err := app.DB().NewQuery(`
		SELECT s.[[id]], s.[[mailing]], s.[[period]], s.[[starts_at]], s.[[ends_at]], s.[[next_run_at]], s.[[weekdays]], s.[[recipient_time]],
			COALESCE(l.[[name]], '') AS list_name, s.[[delay_minutes]],
			m.[[owner]], u.[[email]] AS owner_email, u.[[timezone]], m.[[subject]], m.[[lists]], m.[[clients]], m.[[once_per_client]],
			m.[[stopped]], u.[[blocked]], m.[[approval]], (` + lifecycle.MaySend + `) AS may_send,
			COALESCE(se.[[name]], '') AS sender_name, COALESCE(se.[[email]], '') AS sender_email,
			(SELECT COUNT(DISTINCT c.[[id]]) FROM json_each(m.[[clients]]) p CROSS JOIN {{clients}} c ON c.[[id]] = p.value
				WHERE c.[[owner]] = m.[[owner]] AND c.[[unsubscribed]] = FALSE AND c.[[bouncing]] = FALSE
				AND NOT EXISTS (SELECT 1 FROM json_each(c.[[lists]]) a, json_each(m.[[lists]]) b WHERE a.value = b.value)) AS picked
		FROM {{schedules}} s JOIN {{mailings}} m ON m.[[id]] = s.[[mailing]] JOIN {{users}} u ON u.[[id]] = m.[[owner]]
			LEFT JOIN {{senders}} se ON se.[[id]] = m.[[sender]] AND se.[[owner]] = m.[[owner]]
			LEFT JOIN {{lists}} l ON l.[[id]] = s.[[list]]
		WHERE ` + scope + ` AND s.[[ends_at]] >= {:from}
			AND (s.[[next_run_at]] != '' AND s.[[next_run_at]] < {:to} OR s.[[period]] = '` + schedule.PeriodOnJoin + `' AND s.[[starts_at]] < {:to})
			AND m.[[status]] != '` + lifecycle.MailingCompleted + `'
		ORDER BY s.[[next_run_at]], s.[[id]] LIMIT {:max}`).
		Bind(dbx.Params{"owner": owner, "from": dbDateTime(from), "to": dbDateTime(toText), "max": calendarMaxItems + 1}).
		WithContext(ctx).All(&windows)
	if err != nil {
		return nil, false, err
	}
	more := len(windows) > calendarMaxItems
	items := []CalendarItem{}
	groups := map[string][]reachGroup{}
	reached := map[string]int{}          // by mailing sent once per client
	zones := map[string]*time.Location{} // LoadLocation reads the zone's file each time
	for _, w := range windows {
		if zones[w.Timezone] == nil {
			zones[w.Timezone] = schedule.Zone(w.Timezone)
		}
		ats := windowOccurrences(w, zones[w.Timezone], from, to, now)
		if len(ats) == 0 {
			continue
		}
		if _, ok := groups[w.Owner]; !ok {
			if groups[w.Owner], err = reachGroups(ctx, app, w.Owner); err != nil {
				return nil, false, err
			}
		}
		recipients := 0
		if w.Period != schedule.PeriodOnJoin {
			if _, ok := reached[w.Mailing]; w.Once && !ok {
				if reached[w.Mailing], err = reachedAudience(ctx, app, w.Mailing, w.Owner, w.Lists, w.Clients); err != nil {
					return nil, false, err
				}
			}
			recipients = w.Picked + reachOf(groups[w.Owner], w.Owner, w.Lists) - reached[w.Mailing]
		}
		item := CalendarItem{
			Window: CalendarWindow{ID: w.ID, Period: w.Period, StartsAt: w.StartsAt, EndsAt: w.EndsAt},
			Mail: CalendarMailing{ID: w.Mailing, Subject: w.Subject, SenderName: w.SenderName, SenderEmail: w.SenderMail,
				Recipients: recipients},
			Held: w.held(),
		}
		if w.Period == schedule.PeriodOnJoin {
			item.Window.ListName, item.Window.DelayMinutes = w.ListName, w.Delay
		}
		if owner == "" {
			item.Owner = &CalendarOwner{ID: w.Owner, Email: w.OwnerEmail}
		}
		for _, at := range ats {
			if len(items) == calendarMaxItems {
				more = true
				break
			}
			item.At, _ = types.ParseDateTime(at)
			item.Day = at.In(loc).Format("2006-01-02")
			items = append(items, item)
		}
	}
	slices.SortStableFunc(items, func(a, b CalendarItem) int { return a.At.Time().Compare(b.At.Time()) })
	return items, more, nil
}

// windowOccurrences are the occurrences of w from from to to that are still
// to send, as the dispatcher sends them (dispatch/claim.go): its next one
// when that is to come; when it is due already, the latest occurrence by
// now, which the dispatcher's next pass sends (missed ones are skipped);
// then every one after, up to the window's end. loc is its owner's zone.
func windowOccurrences(w calendarWindow, loc *time.Location, from, to, now time.Time) []time.Time {
	start, end, next := w.StartsAt.Time(), w.EndsAt.Time(), w.NextRunAt.Time()
	days, _ := schedule.ParseWeekdays(w.Weekdays) // the field allows only the names
	if w.Period == schedule.PeriodOnJoin {
		return welcomeOccurrence(start, end, from, now)
	}
	if w.Recipient {
		return recipientOccurrences(w, loc, days, from, to, now)
	}
	if end.Before(to) {
		to = end.Add(time.Nanosecond)
	}
	var out []time.Time
	if next.Before(now) {
		if now.After(end) {
			return nil // ended while due: closed without a run
		}
		// a held mailing's due one goes whenever it is let go: not shown
		if due, ok := schedule.LatestAtOrBeforeOn(start, w.Period, loc, now, days); ok && w.MaySend && !due.Before(from) && due.Before(to) {
			out = append(out, due)
		}
		next = now.Add(time.Nanosecond)
	}
	if next.Before(from) {
		next = from
	}
	return append(out, schedule.Between(start, w.Period, loc, days, next, to)...)
}

// welcomeOccurrence is a welcome window's one item in the range: at its
// start, or at the range's first instant when it opened before; none once
// it has ended (joins after the end welcome no one).
func welcomeOccurrence(start, end, from, now time.Time) []time.Time {
	if now.After(end) {
		return nil
	}
	if start.Before(from) {
		start = from
	}
	return []time.Time{start}
}

// recipientOccurrences is windowOccurrences for a window sent at each
// recipient's own time, whose next_run_at is when the first zone reaches
// its next occurrence: the occurrences are the owner's, as the dispatcher
// claims them (dispatch/claim.go), the due one included while it sends.
func recipientOccurrences(w calendarWindow, loc *time.Location, days schedule.Weekdays, from, to, now time.Time) []time.Time {
	start, next := w.StartsAt.Time(), w.NextRunAt.Time()
	var out []time.Time
	after := schedule.BeginningAt(start, w.Period, loc, next, days)
	if next.Before(now) {
		if now.After(w.EndsAt.Time()) {
			return nil
		}
		due, ok := schedule.DueAtRecipients(start, w.Period, loc, next, now, days)
		if ok && w.MaySend && !due.Before(from) && due.Before(to) {
			out = append(out, due)
		}
		after = due.Add(time.Nanosecond)
	}
	if after.IsZero() {
		return out
	}
	if after.Before(from) {
		after = from
	}
	// in the window while its first zone reaches it there
	for _, o := range schedule.Between(start, w.Period, loc, days, after, to) {
		if schedule.FirstRecipient(o, loc).After(w.EndsAt.Time()) {
			break
		}
		out = append(out, o)
	}
	return out
}

// held is why w's mailing will not send at its times, "" when it will.
func (w calendarWindow) held() string {
	switch {
	case w.MaySend:
		return ""
	case w.Blocked:
		return "blocked"
	case w.Stopped:
		return "stopped"
	case w.Approval == lifecycle.ApprovalPending:
		return "approval_pending"
	case w.Approval == lifecycle.ApprovalRejected:
		return "approval_rejected"
	}
	return "stopped"
}
