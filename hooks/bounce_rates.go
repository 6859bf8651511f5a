package hooks

import (
	"context"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// What came back about the messages sent (the inbound package), as the
// pages show it: the home page over 30 days, the mailing's page over its
// whole life (the moderators' users list over 7 days reads
// internal/health, the figures of the automatic stops). Each reads the
// partial indexes of bounced deliveries alone (migration
// 1795660027_c_bounce_indexes), as many rows as came back, whatever was sent.

// bounceCounts are the reports heard back: bounces (hard and soft) and
// complaints.
type bounceCounts struct {
	Bounced    int `json:"bounced" db:"bounced"`
	Complaints int `json:"complaints" db:"complaints"`
}

// bounceSums is the SQL of the counts over deliveries d.
const bounceSums = `COALESCE(SUM(d.bounce IN ('hard', 'soft')), 0) AS bounced, COALESCE(SUM(d.bounce = 'complaint'), 0) AS complaints`

// bouncesSince counts the reports that arrived since then about owner's
// messages, or everyone's when owner is "".
func bouncesSince(ctx context.Context, app core.App, owner string, since time.Time) (bounceCounts, error) {
	var c bounceCounts
	err := app.DB().NewQuery(`
		SELECT ` + bounceSums + ` FROM deliveries d INDEXED BY idx_deliveries_bounced_owner
		WHERE d.bounce != '' AND ({:owner} = '' OR d.owner = {:owner}) AND d.bounced_at >= {:since}`).
		Bind(dbx.Params{"owner": owner, "since": dbDateTime(since)}).WithContext(ctx).One(&c)
	return c, err
}

// mailingBounces is the answer of GET /api/postrider/mailings/{id}/bounces.
type mailingBounces struct {
	Sent int `json:"sent"`
	bounceCounts
	Hard int `json:"hard" db:"hard"`
	Soft int `json:"soft" db:"soft"`
}

// mailingBouncesRoute gives the mailing's page its bounce and complaint
// numbers, of the caller's own mailing only (a custom route passes no API
// rule); the page divides them by sent.
func mailingBouncesRoute(e *core.RequestEvent) error {
	m, err := e.App.FindRecordById("mailings", e.Request.PathValue("id"), withContext(e.Request.Context()))
	if err != nil || m.GetString("owner") != e.Auth.Id {
		return e.NotFoundError("", nil)
	}
	var out mailingBounces
	err = e.App.DB().NewQuery(`
		SELECT ` + bounceSums + `, COALESCE(SUM(d.bounce = 'hard'), 0) AS hard, COALESCE(SUM(d.bounce = 'soft'), 0) AS soft
		FROM deliveries d INDEXED BY idx_deliveries_bounced_mailing
		WHERE d.mailing = {:id} AND d.bounce != ''`).Bind(dbx.Params{"id": m.Id}).WithContext(e.Request.Context()).One(&out)
	if err == nil {
		err = e.App.DB().NewQuery(`SELECT COALESCE(SUM(sent), 0) FROM runs WHERE mailing = {:id}`).
			Bind(dbx.Params{"id": m.Id}).WithContext(e.Request.Context()).Row(&out.Sent)
	}
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}
