package hooks

import (
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/schedule"
)

// DayCount is one day of the logs page's chart.
type DayCount struct {
	Day    string `json:"day"` // YYYY-MM-DD in the user's time zone
	Sent   int    `json:"sent"`
	Failed int    `json:"failed"`
}

// dailyDeliveries is the logs page's chart: sent and failed messages per
// day, of the caller's own runs only (a custom route passes no API rule,
// so the owner condition is written here). It adds up the runs' counters (kept by the dispatcher) by
// the day each run started: a few rows per mailing, where counting the
// deliveries read a million rows for a large sender.
func dailyDeliveries(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	loc := schedule.Zone(e.Auth.GetString("timezone"))
	from, to, err := dayRange(e, loc)
	if err != nil {
		return err
	}
	where := dbx.And(dbx.HashExp{"owner": e.Auth.Id}, dbx.Not(dbx.HashExp{"started_at": ""}))
	if m := q.Get("mailing"); m != "" {
		where = dbx.And(where, dbx.HashExp{"mailing": m})
	}
	if from != "" {
		where = dbx.And(where, dbx.NewExp("[[started_at]] >= {:from}", dbx.Params{"from": from}))
	}
	if to != "" {
		where = dbx.And(where, dbx.NewExp("[[started_at]] < {:to}", dbx.Params{"to": to}))
	}
	var runs []struct {
		At     types.DateTime `db:"started_at"`
		Sent   int            `db:"sent"`
		Failed int            `db:"failed"`
	}
	if err := e.App.DB().Select("started_at", "sent", "failed").From("runs").Where(where).WithContext(e.Request.Context()).All(&runs); err != nil {
		return e.InternalServerError("", err)
	}
	byDay := map[string]*DayCount{}
	var days []string
	for _, r := range runs {
		if r.Sent+r.Failed == 0 {
			continue
		}
		day := r.At.Time().In(loc).Format("2006-01-02")
		c := byDay[day]
		if c == nil {
			c = &DayCount{Day: day}
			byDay[day] = c
			days = append(days, day)
		}
		c.Sent += r.Sent
		c.Failed += r.Failed
	}
	slices.Sort(days)
	out := make([]DayCount, 0, len(days))
	for _, d := range days {
		out = append(out, *byDay[d])
	}
	return e.JSON(http.StatusOK, out)
}

// dayRange reads the from and to days (YYYY-MM-DD in loc, both whole days,
// either may be missing) of a logs request as the bounds of a date column:
// from's first moment and the moment after to.
func dayRange(e *core.RequestEvent, loc *time.Location) (from, to string, err error) {
	q := e.Request.URL.Query()
	bounds := map[string]string{}
	for _, param := range []string{"from", "to"} {
		v := q.Get(param)
		if v == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return "", "", e.BadRequestError("Invalid "+param+": use YYYY-MM-DD.", fieldError(param, "validation_invalid_date", "Use a date such as 2027-03-01."))
		}
		if param == "to" {
			day = day.AddDate(0, 0, 1) // the whole last day
		}
		// dates are compared as text, and the end of to=9999-12-31 (in
		// UTC or west of it, the year 10000) would be written with five
		// digits and sort before every delivery
		if day.After(lastDateTime) {
			day = lastDateTime
		}
		bound, _ := types.ParseDateTime(day)
		bounds[param] = bound.String()
	}
	return bounds["from"], bounds["to"], nil
}

// lastDateTime is the latest time a date column can hold as text.
var lastDateTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)

const (
	// when a delivery's outcome came: sent_at for a sent message, the
	// moment it was recorded for a failed one
	outcomeAt = "(CASE WHEN [[sent_at]] != '' THEN [[sent_at]] ELSE [[updated]] END)"
)
