package hooks

import (
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/health"
)

// The moderators' two pages, each in one request: every user with their
// numbers (moderation_users.go), every mailing with its reach and last run
// (moderation_mailings.go); never a client's address nor the delivery log:
// a moderator reviews senders, not their recipients.

// moderatedUser is one row of GET /api/postrider/moderation/users.
type moderatedUser struct {
	Id            string         `json:"id" db:"id"`
	Email         string         `json:"email" db:"email"`
	Name          string         `json:"name" db:"name"`
	Role          string         `json:"role" db:"role"`
	Created       types.DateTime `json:"created" db:"created"`
	Verified      bool           `json:"verified" db:"verified"`
	Blocked       bool           `json:"blocked" db:"blocked"`
	BlockedReason string         `json:"blocked_reason" db:"blocked_reason"`
	DailyLimit    int            `json:"daily_limit" db:"daily_limit"` // 0 = none
	Trusted       bool           `json:"trusted" db:"trusted"`         // their mailings need no approval (approval.go)
	Clients       int            `json:"clients" db:"clients"`
	Mailings      int            `json:"mailings" db:"mailings"`
	Sent7d        int            `json:"sent_7d" db:"sent_7d"`
	Failed7d      int            `json:"failed_7d" db:"failed_7d"`
	FailedShare   float64        `json:"failed_share" db:"failed_share"` // failed / (sent + failed) over 7 days, 0..1
	// the sender's health over 7 days (internal/health, the figures of the
	// automatic stops): reports heard back (bounced_7d: hard and soft),
	// refusals held against the sender, and the rates per message sent,
	// 0..1: complaints, and hard bounces with refusals
	Bounced7d     int     `json:"bounced_7d" db:"bounced_7d"`
	Hard7d        int     `json:"hard_7d" db:"hard_7d"`
	Refused7d     int     `json:"refused_7d" db:"refused_7d"`
	Complaints7d  int     `json:"complaints_7d" db:"complaints_7d"`
	BounceRate    float64 `json:"bounce_rate" db:"bounce_rate"`
	ComplaintRate float64 `json:"complaint_rate" db:"complaint_rate"`
	// AutoStopped counts their mailings the server stopped, waiting for a moderator
	AutoStopped int `json:"auto_stopped" db:"auto_stopped"`
}

var userSorts = map[string]string{
	"failed_share": "failed_share", "sent_7d": "sent_7d", "failed_7d": "failed_7d",
	"bounce_rate": "bounce_rate", "complaint_rate": "complaint_rate",
	"clients": "clients", "mailings": "mailings", "created": "u.created", "auto_stopped": "auto_stopped",
	"email": "u.email COLLATE NOCASE", "name": "u.name COLLATE NOCASE", "blocked": "u.blocked", "role": "u.role",
	"daily_limit": "u.daily_limit",
}

// moderationUsers lists every user with their numbers; each number is one
// grouped query over its collection (the clients: over the counts that
// triggers keep, migration 1795660054), joined to the page of users.
func moderationUsers(e *core.RequestEvent) error {
	pageNo, perPage, err := paging(e)
	if err != nil {
		return err
	}
	order, err := orderBy(e, userSorts, "-failed_share", "failed_7d DESC, u.email COLLATE NOCASE, u.id")
	if err != nil {
		return err
	}
	where, params := "TRUE", dbx.Params{}
	if q := strings.TrimSpace(e.Request.URL.Query().Get("q")); q != "" {
		where = `(u.email LIKE {:q} ESCAPE '\' OR u.name LIKE {:q} ESCAPE '\')`
		params["q"] = likeParam(q)
	}
	out := page[moderatedUser]{Page: pageNo, PerPage: perPage, Items: []moderatedUser{}}
	if err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM users u WHERE ` + where).Bind(params).WithContext(e.Request.Context()).Row(&out.TotalItems); err != nil {
		return e.InternalServerError("", err)
	}
	out.TotalPages = totalPages(out.TotalItems, perPage)
	params["since"] = health.Since(time.Now())
	params["limit"], params["offset"] = perPage, (pageNo-1)*perPage
	err = e.App.DB().NewQuery(`
		SELECT u.id, u.email, u.name, u.role, u.created, u.verified, u.blocked, u.blocked_reason, u.daily_limit, u.trusted,
		       COALESCE(c.n, 0) AS clients, COALESCE(m.n, 0) AS mailings,
		       COALESCE(r.sent, 0) AS sent_7d, COALESCE(r.failed, 0) AS failed_7d,
		       ` + failedShare("COALESCE(r.sent, 0)", "COALESCE(r.failed, 0)") + ` AS failed_share,
		       COALESCE(b.bounced, 0) AS bounced_7d, COALESCE(b.hard, 0) AS hard_7d, COALESCE(f.refused, 0) AS refused_7d,
		       COALESCE(b.complaints, 0) AS complaints_7d,
		       ` + health.RateSQL("COALESCE(b.hard, 0) + COALESCE(f.refused, 0)", "r.sent") + ` AS bounce_rate,
		       ` + health.RateSQL("b.complaints", "r.sent") + ` AS complaint_rate,
		       COALESCE(s.n, 0) AS auto_stopped
		FROM users u
		LEFT JOIN (SELECT owner, SUM(n) AS n FROM _postrider_client_groups GROUP BY owner) c ON c.owner = u.id
		LEFT JOIN (SELECT owner, COUNT(*) AS n FROM mailings GROUP BY owner) m ON m.owner = u.id
		LEFT JOIN (SELECT owner, SUM(sent) AS sent, SUM(failed) AS failed FROM runs
		           WHERE started_at >= {:since} GROUP BY owner) r ON r.owner = u.id
		LEFT JOIN (SELECT d.owner, ` + health.ReportsCols + `, COALESCE(SUM(d.bounce IN ('hard', 'soft')), 0) AS bounced
		           FROM ` + health.ReportsFrom + ` GROUP BY d.owner) b ON b.owner = u.id
		LEFT JOIN (SELECT d.owner, COUNT(*) AS refused FROM ` + health.RefusedFrom + ` GROUP BY d.owner) f ON f.owner = u.id
		LEFT JOIN (SELECT owner, COUNT(*) AS n FROM mailings INDEXED BY idx_mailings_auto_stopped
		           WHERE auto_stopped = TRUE GROUP BY owner) s ON s.owner = u.id
		WHERE ` + where + `
		ORDER BY ` + order + `
		LIMIT {:limit} OFFSET {:offset}`).Bind(params).WithContext(e.Request.Context()).All(&out.Items)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}
