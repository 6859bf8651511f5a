// Package health reads a sender's health over 7 days (DESIGN "Trust and
// limits"): the messages they sent, the hard bounces and complaints heard
// back about them (the inbound package), and the refusals held against
// the sender rather than the address (the dispatcher's reading of RFC
// 3463: policy, content, syntax, after DATA); and stops a sender's
// mailings when a rate passes its limit (stop.go). The moderators' users
// page shows the same figures, from the same SQL.
package health

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Window is how far back the figures go.
const Window = 7 * 24 * time.Hour

// SenderRefusal ends the response the dispatcher keeps for a refusal (5xx)
// held against the sender, not the address (dispatch/refused.go).
const SenderRefusal = ": not held against the address)"

// Figures are one sender's messages over the window: sent (the runs'
// counters, by the time a run started), the hard bounces and complaints
// heard back since (by the time they came), and the refusals held against
// the sender since (by the time they were recorded).
type Figures struct {
	Sent       int `db:"sent"`
	Hard       int `db:"hard"`
	Complaints int `db:"complaints"`
	Refused    int `db:"refused"`
}

// ComplaintRate is complaints per message sent.
func (f Figures) ComplaintRate() float64 { return rate(f.Complaints, f.Sent) }

// BounceRate is hard bounces and refusals held against the sender per
// message sent.
func (f Figures) BounceRate() float64 { return rate(f.Hard+f.Refused, f.Sent) }

// rate is n / sent, 0..1: 0 with nothing sent, and capped at 1, as a report
// about a message sent before the window may come within it. RateSQL is
// the same in SQL.
func rate(n, sent int) float64 {
	if sent <= 0 {
		return 0
	}
	return min(1, float64(n)/float64(sent))
}

// RateSQL is rate in SQL, of the expressions n and sent.
func RateSQL(n, sent string) string {
	return "(CASE WHEN COALESCE(" + sent + ", 0) > 0 THEN MIN(1.0, CAST(COALESCE(" + n + ", 0) AS REAL) / " + sent + ") ELSE 0 END)"
}

// The SQL of the figures, each reading an index bounded by the window:
// the runs by owner and start (their sent counters), the bounced
// deliveries alone by owner, bounced_at and kind (ReportsFrom), and the
// refusals held against the sender alone by owner and updated
// (RefusedFrom): the partial indexes of migrations 1795660027_c and
// 1795660031_b, whose rows answer with no read of the table. Each takes
// {:since}; Of adds the owner, the moderators' page groups by owner.
const (
	// ReportsCols counts the reports among deliveries d.
	ReportsCols = `COALESCE(SUM(d.bounce = 'hard'), 0) AS hard, COALESCE(SUM(d.bounce = 'complaint'), 0) AS complaints`
	// ReportsFrom is the bounced deliveries d heard back since.
	ReportsFrom = `deliveries d INDEXED BY idx_deliveries_bounced_owner WHERE d.bounce != '' AND d.bounced_at >= {:since}`
	// RefusedWhere is a refusal held against the sender (a 5xx reply whose
	// response ends in SenderRefusal, its ")" the final ?), word for word
	// the condition of its partial index (migration 1795660031_b).
	RefusedWhere = `status = 'failed' AND response GLOB '5[0-9][0-9]*` + refusalGlob + `'`
	refusalGlob  = ": not held against the address?"
	// RefusedFrom is the refusals held against the sender d since.
	RefusedFrom = `deliveries d INDEXED BY idx_deliveries_sender_refused WHERE ` + RefusedWhere + ` AND d.updated >= {:since}`
)

// ofQuery is one owner's figures.
const ofQuery = `
	SELECT (SELECT COALESCE(SUM(sent), 0) FROM runs INDEXED BY idx_runs_owner_started
	        WHERE owner = {:owner} AND started_at >= {:since}) AS sent,
	       rep.hard, rep.complaints,
	       (SELECT COUNT(*) FROM ` + RefusedFrom + ` AND d.owner = {:owner}) AS refused
	FROM (SELECT ` + ReportsCols + ` FROM ` + ReportsFrom + ` AND d.owner = {:owner}) rep`

// Of reads owner's figures over the window that ends now.
func Of(app core.App, owner string, now time.Time) (Figures, error) {
	var f Figures
	err := app.DB().NewQuery(ofQuery).Bind(dbx.Params{"owner": owner, "since": Since(now)}).One(&f)
	return f, err
}

// Since is the start of the window that ends now, as stored.
func Since(now time.Time) string {
	return now.UTC().Add(-Window).Format("2006-01-02 15:04:05.000Z")
}
