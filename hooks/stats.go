package hooks

import (
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
)

// DayCount is one day of the logs page's chart.
type DayCount struct {
	Day    string `json:"day"` // YYYY-MM-DD in the user's time zone
	Sent   int    `json:"sent"`
	Failed int    `json:"failed"`
}

func bindStats(app core.App) {
	// the logs page's chart: sent and failed messages per day, of the
	// caller's own deliveries only (a custom route passes no API rule, so
	// the owner condition is written here)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/postrider/deliveries/daily", dailyDeliveries).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
}

func dailyDeliveries(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	loc := dispatch.Zone(e.Auth.GetString("timezone"))
	where := dbx.And(dbx.HashExp{"owner": e.Auth.Id}, dbx.In("status", deliverySent, deliveryFailed))
	if m := q.Get("mailing"); m != "" {
		where = dbx.And(where, dbx.HashExp{"mailing": m})
	}
	for param, op := range map[string]string{"from": ">=", "to": "<"} {
		if v := q.Get(param); v != "" {
			day, err := time.ParseInLocation("2006-01-02", v, loc)
			if err != nil {
				return e.BadRequestError("Invalid "+param+": use YYYY-MM-DD.", fieldError(param, "validation_invalid_date", "Use a date such as 2027-03-01."))
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
			where = dbx.And(where, dbx.NewExp(outcomeAt+" "+op+" {:"+param+"}", dbx.Params{param: bound.String()}))
		}
	}
	var rows []struct {
		At     types.DateTime `db:"at"`
		Status string         `db:"status"`
	}
	if err := e.App.DB().Select(outcomeAt+" AS at", "status").From("deliveries").Where(where).All(&rows); err != nil {
		return e.InternalServerError("", err)
	}
	byDay := map[string]*DayCount{}
	var days []string
	for _, r := range rows {
		day := r.At.Time().In(loc).Format("2006-01-02")
		c := byDay[day]
		if c == nil {
			c = &DayCount{Day: day}
			byDay[day] = c
			days = append(days, day)
		}
		if r.Status == deliverySent {
			c.Sent++
		} else {
			c.Failed++
		}
	}
	slices.Sort(days)
	out := make([]DayCount, 0, len(days))
	for _, d := range days {
		out = append(out, *byDay[d])
	}
	return e.JSON(http.StatusOK, out)
}

// lastDateTime is the latest time a date column can hold as text.
var lastDateTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)

const (
	deliverySent   = "sent"
	deliveryFailed = "failed"
	// when a delivery's outcome came: sent_at for a sent message, the
	// moment it was recorded for a failed one
	outcomeAt = "(CASE WHEN [[sent_at]] != '' THEN [[sent_at]] ELSE [[updated]] END)"
)
