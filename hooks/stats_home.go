package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// homeStats is the answer of GET /api/postrider/stats: the caller's own
// numbers, and for a moderator the whole service's in service.
type homeStats struct {
	counts
	// the caller's messages today (their own day, users.timezone), as their
	// daily limit counts them, and that limit (0 = none): dispatch/quota.go
	SentToday  int           `json:"sent_today"`
	DailyLimit int           `json:"daily_limit"`
	Service    *serviceStats `json:"service,omitempty"`
}

// counts are the home page's numbers of one owner, or of everyone.
type counts struct {
	Clients        int    `json:"clients"`
	Mailings       int    `json:"mailings"`
	ActiveMailings int    `json:"active_mailings"` // running and not stopped
	Sent30d        int    `json:"sent_30d"`
	Failed30d      int    `json:"failed_30d"`
	NextSend       string `json:"next_send"` // the soonest next_run_at of a mailing that may send, "" when none
	// the mailing that goes out at next_send, or null
	NextMailing *mailingRef `json:"next_mailing"`
	// the 30 days ending today (in the caller's time zone), oldest first,
	// sent_30d and failed_30d being their sums
	Daily30d []DayCount `json:"daily_30d"`

	// reports heard back in the last 30 days (bounce_rates.go)
	Bounced30d    int `json:"bounced_30d"`
	Complaints30d int `json:"complaints_30d"`
}

type serviceStats struct {
	counts
	Users        int           `json:"users"`
	BlockedUsers int           `json:"blocked_users"`
	Riskiest     []senderShare `json:"riskiest"` // up to 5, by failed share over the last 7 days
}

type mailingRef struct {
	Id      string `json:"id"`
	Subject string `json:"subject"`
}

// senderShare is a user's messages of the last 7 days.
type senderShare struct {
	Id          string  `json:"id" db:"id"`
	Email       string  `json:"email" db:"email"`
	Name        string  `json:"name" db:"name"`
	Sent        int     `json:"sent" db:"sent"`
	Failed      int     `json:"failed" db:"failed"`
	FailedShare float64 `json:"failed_share" db:"failed_share"` // failed / (sent + failed), 0..1
}

// The numbers of messages come from the runs' counters (one row per
// occurrence sent, indexed by owner and started_at), never from the
// deliveries: a run counts on the day it started.
const (
	riskyWindow = 7 * 24 * time.Hour
	statsDays   = 30
)

// homeStatsRoute is the home page's numbers in one request: the caller's
// own, and the service's for a moderator.
func homeStatsRoute(e *core.RequestEvent) error {
	loc := schedule.Zone(e.Auth.GetString("timezone"))
	now := time.Now()
	var out homeStats
	var err error
	if out.counts, err = countsOf(e.Request.Context(), e.App, e.Auth.Id, now, loc); err != nil {
		return e.InternalServerError("", err)
	}
	out.DailyLimit = e.Auth.GetInt("daily_limit")
	if out.SentToday, err = dispatch.SentToday(e.App, e.Auth.Id, e.Auth.GetString("timezone"), now); err != nil {
		return e.InternalServerError("", err)
	}
	if isModerator(e.Auth) {
		s := &serviceStats{}
		if s.counts, err = countsOf(e.Request.Context(), e.App, "", now, loc); err != nil {
			return e.InternalServerError("", err)
		}
		var people struct {
			Users   int `db:"users"`
			Blocked int `db:"blocked"`
		}
		err = e.App.DB().NewQuery(`SELECT COUNT(*) AS users, COALESCE(SUM(blocked), 0) AS blocked FROM users`).WithContext(e.Request.Context()).One(&people)
		s.Users, s.BlockedUsers = people.Users, people.Blocked
		if err == nil {
			s.Riskiest, err = riskiest(e.Request.Context(), e.App, now)
		}
		if err != nil {
			return e.InternalServerError("", err)
		}
		out.Service = s
	}
	return e.JSON(http.StatusOK, out)
}

// countsOf counts owner's records, or everyone's when owner is "" (the
// clients from the counts that triggers keep, migration 1795660054).
func countsOf(ctx context.Context, app core.App, owner string, now time.Time, loc *time.Location) (counts, error) {
	var c counts
	var n struct {
		Clients  int `db:"clients"`
		Mailings int `db:"mailings"`
		Active   int `db:"active"`
	}
	params := dbx.Params{"owner": owner}
	mine := "TRUE"
	if owner != "" {
		mine = "owner = {:owner}"
	}
	err := app.DB().NewQuery(`SELECT
		(SELECT COALESCE(SUM(n), 0) FROM _postrider_client_groups WHERE ` + mine + `) AS clients,
		(SELECT COUNT(*) FROM mailings WHERE ` + mine + `) AS mailings,
		(SELECT COUNT(*) FROM mailings WHERE ` + mine + ` AND status = '` + lifecycle.MailingRunning + `' AND stopped = FALSE) AS active`).
		Bind(params).WithContext(ctx).One(&n)
	if err != nil {
		return c, err
	}
	c.Clients, c.Mailings, c.ActiveMailings = n.Clients, n.Mailings, n.Active
	if c.Daily30d, err = dailyRuns(ctx, app, owner, now, loc); err != nil {
		return c, err
	}
	for _, d := range c.Daily30d {
		c.Sent30d += d.Sent
		c.Failed30d += d.Failed
	}
	b, err := bouncesSince(ctx, app, owner, now.AddDate(0, 0, -statsDays))
	if err != nil {
		return c, err
	}
	c.Bounced30d, c.Complaints30d = b.Bounced, b.Complaints
	c.NextSend, c.NextMailing, err = nextSend(ctx, app, owner)
	return c, err
}

// dailyRuns adds up the runs' counters per day over the statsDays days
// ending today in loc: one indexed range of runs per day.
func dailyRuns(ctx context.Context, app core.App, owner string, now time.Time, loc *time.Location) ([]DayCount, error) {
	mine := "TRUE"
	if owner != "" {
		mine = "r.owner = {:owner}"
	}
	y, m, d := now.In(loc).Date()
	first := time.Date(y, m, d-statsDays+1, 0, 0, 0, 0, loc)
	days := make([][3]string, statsDays)
	for i := range days {
		start := first.AddDate(0, 0, i)
		days[i] = [3]string{start.Format("2006-01-02"), dbDateTime(start), dbDateTime(start.AddDate(0, 0, 1))}
	}
	raw, _ := json.Marshal(days)
	params := dbx.Params{"owner": owner, "days": string(raw)}
	out := make([]DayCount, 0, statsDays)
	err := app.DB().NewQuery(`
		SELECT json_extract(d.value, '$[0]') AS day, COALESCE(SUM(r.sent), 0) AS sent, COALESCE(SUM(r.failed), 0) AS failed
		FROM json_each({:days}) d
		LEFT JOIN runs r ON r.started_at >= json_extract(d.value, '$[1]') AND r.started_at < json_extract(d.value, '$[2]')
		     AND ` + mine + `
		GROUP BY d.key ORDER BY d.key`).Bind(params).WithContext(ctx).All(&out)
	return out, err
}

// nextSend finds the soonest next_run_at of a window of a mailing that may
// send (lifecycle.MaySend), of owner's
// mailings or of everyone's. For one owner the query walks their mailings;
// for everyone, the next_run_at index, stopping at the first that may send.
func nextSend(ctx context.Context, app core.App, owner string) (string, *mailingRef, error) {
	from := "schedules s CROSS JOIN mailings m ON m.id = s.mailing"
	if owner != "" {
		from = "mailings m CROSS JOIN schedules s ON s.mailing = m.id"
	}
	var row struct {
		At      types.DateTime `db:"at"`
		Id      string         `db:"id"`
		Subject string         `db:"subject"`
	}
	err := app.DB().NewQuery(`SELECT s.next_run_at AS at, m.id, m.subject
		FROM ` + from + ` JOIN users u ON u.id = m.owner
		WHERE ` + windowSendsNext + ` AND ` + lifecycle.MaySend + `
		  AND ({:owner} = '' OR m.owner = {:owner})
		ORDER BY s.next_run_at, m.id LIMIT 1`).Bind(dbx.Params{"owner": owner}).WithContext(ctx).One(&row)
	if err != nil || row.At.IsZero() {
		return "", nil, ignoreNoRows(err)
	}
	return row.At.String(), &mailingRef{Id: row.Id, Subject: row.Subject}, nil
}

// riskiest are up to 5 users with the highest share of failed messages
// over the last 7 days (the most failures first among equal shares).
func riskiest(ctx context.Context, app core.App, now time.Time) ([]senderShare, error) {
	out := []senderShare{}
	err := app.DB().NewQuery(`
		SELECT u.id, u.email, u.name, r.sent, r.failed, ` + failedShare("r.sent", "r.failed") + ` AS failed_share
		FROM (SELECT owner, SUM(sent) AS sent, SUM(failed) AS failed FROM runs
		      WHERE started_at >= {:since} GROUP BY owner HAVING SUM(failed) > 0) r
		JOIN users u ON u.id = r.owner
		ORDER BY failed_share DESC, r.failed DESC, u.email LIMIT 5`).
		Bind(dbx.Params{"since": dbDateTime(now.Add(-riskyWindow))}).WithContext(ctx).All(&out)
	return out, err
}

// failedShare is the SQL of failed / (sent + failed), 0 with no messages.
func failedShare(sent, failed string) string {
	return "(CASE WHEN " + sent + " + " + failed + " > 0 THEN CAST(" + failed + " AS REAL) / (" + sent + " + " + failed + ") ELSE 0 END)"
}

// dbDateTime is t as the database's date columns hold it (UTC text).
func dbDateTime(t time.Time) string {
	dt, _ := types.ParseDateTime(t.UTC())
	return dt.String()
}

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
