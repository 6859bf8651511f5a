package hooks

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
)

// moderatedMailing is one row of GET /api/postrider/moderation/mailings.
type moderatedMailing struct {
	Id          string         `json:"id"`
	Subject     string         `json:"subject"`
	Status      string         `json:"status"`
	Stopped     bool           `json:"stopped"`
	StopReason  string         `json:"stop_reason"`
	StoppedBy   *userRef       `json:"stopped_by"`   // null unless a moderator stopped it
	AutoStopped bool           `json:"auto_stopped"` // stopped by the server, its owner's health past a limit (internal/health)
	Owner       userRef        `json:"owner"`
	NextSend    string         `json:"next_send"`  // "" when it may not send (stopped, completed, owner blocked) or has no next occurrence
	Recipients  int            `json:"recipients"` // its reach now: clients of its lists and the picked ones, once, minus the unsubscribed and bouncing (and those it reached, once per client)
	LastRun     *runCounts     `json:"last_run"`   // the latest occurrence's counters, or null
	Created     types.DateTime `json:"created"`
	Updated     types.DateTime `json:"updated"`
}

type userRef struct {
	Id    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type runCounts struct {
	Id     string         `json:"id"`
	Status string         `json:"status"`
	RunAt  types.DateTime `json:"run_at"`
	Total  int            `json:"total"`
	Sent   int            `json:"sent"`
	Failed int            `json:"failed"`
}

var mailingSorts = map[string]string{
	"created": "m.created", "updated": "m.updated", "subject": "m.subject COLLATE NOCASE",
	"status": "m.status", "stopped": "m.stopped", "owner": "u.email COLLATE NOCASE",
	"auto_stopped": "m.auto_stopped",
}

// moderationMailings lists every user's mailings, those the server stopped
// first (they wait for a moderator), then newest first; filtered by owner,
// status, stopped, auto_stopped and a subject search. The page's reach, next
// send and last run are found for its rows only.
func moderationMailings(e *core.RequestEvent) error {
	pageNo, perPage, err := paging(e)
	if err != nil {
		return err
	}
	order, err := orderBy(e, mailingSorts, "-auto_stopped", "m.created DESC, m.id")
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	conds, params := []string{"TRUE"}, dbx.Params{}
	if v := q.Get("owner"); v != "" {
		conds, params["owner"] = append(conds, "m.owner = {:owner}"), v
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(lifecycle.MailingStatuses, v) {
			msg := "Use one of: " + strings.Join(lifecycle.MailingStatuses, ", ") + "."
			return e.BadRequestError("Invalid status.", fieldError("status", "validation_invalid_value", msg))
		}
		conds, params["status"] = append(conds, "m.status = {:status}"), v
	}
	for _, field := range []string{"stopped", "auto_stopped"} {
		v := q.Get(field)
		if v == "" {
			continue
		}
		b, convErr := strconv.ParseBool(v)
		if convErr != nil {
			return e.BadRequestError("Invalid "+field+".", fieldError(field, "validation_invalid_value", "Use true or false."))
		}
		conds, params[field] = append(conds, "m."+field+" = {:"+field+"}"), b
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		conds, params["q"] = append(conds, `m.subject LIKE {:q} ESCAPE '\'`), likeParam(v)
	}
	where := strings.Join(conds, " AND ")

	out := page[moderatedMailing]{Page: pageNo, PerPage: perPage, Items: []moderatedMailing{}}
	if err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM mailings m WHERE ` + where).Bind(params).WithContext(e.Request.Context()).Row(&out.TotalItems); err != nil {
		return e.InternalServerError("", err)
	}
	out.TotalPages = totalPages(out.TotalItems, perPage)
	params["limit"], params["offset"] = perPage, (pageNo-1)*perPage

	var rows []struct {
		Id             string         `db:"id"`
		Subject        string         `db:"subject"`
		Status         string         `db:"status"`
		Stopped        bool           `db:"stopped"`
		StopReason     string         `db:"stop_reason"`
		StoppedBy      string         `db:"stopped_by"`
		StoppedByEmail string         `db:"stopped_by_email"`
		AutoStopped    bool           `db:"auto_stopped"`
		Owner          string         `db:"owner"`
		OwnerEmail     string         `db:"owner_email"`
		OwnerName      string         `db:"owner_name"`
		Created        types.DateTime `db:"created"`
		Updated        types.DateTime `db:"updated"`
		NextSend       types.DateTime `db:"next_send"`
		RunId          string         `db:"run_id"`
		RunStatus      string         `db:"run_status"`
		RunAt          types.DateTime `db:"run_at"`
		Total          int            `db:"total"`
		Sent           int            `db:"sent"`
		Failed         int            `db:"failed"`
	}
	err = e.App.DB().NewQuery(`
		SELECT p.id, p.subject, p.status, p.stopped, p.stop_reason, p.stopped_by, p.stopped_by_email, p.auto_stopped,
		       p.owner, p.owner_email, p.owner_name, p.created, p.updated,
		       CASE WHEN p.may_send THEN
		         COALESCE((SELECT MIN(s.next_run_at) FROM schedules s WHERE s.mailing = p.id AND ` + windowSendsNext + `), '')
		       ELSE '' END AS next_send,
		       COALESCE(r.id, '') AS run_id, COALESCE(r.status, '') AS run_status, COALESCE(r.run_at, '') AS run_at,
		       COALESCE(r.total, 0) AS total, COALESCE(r.sent, 0) AS sent, COALESCE(r.failed, 0) AS failed
		FROM (SELECT m.id, m.subject, m.status, m.stopped, m.stop_reason, m.stopped_by, m.auto_stopped, m.owner,
		             m.created, m.updated, u.email AS owner_email, u.name AS owner_name, ` + lifecycle.MaySend + ` AS may_send,
		             COALESCE(sb.email, '') AS stopped_by_email
		      FROM mailings m JOIN users u ON u.id = m.owner LEFT JOIN users sb ON sb.id = m.stopped_by
		      WHERE ` + where + `
		      ORDER BY ` + order + `
		      LIMIT {:limit} OFFSET {:offset}) p
		LEFT JOIN runs r ON r.id = (SELECT id FROM runs WHERE mailing = p.id ORDER BY run_at DESC, id DESC LIMIT 1)
		ORDER BY ` + strings.NewReplacer("m.", "p.", "u.email", "p.owner_email").Replace(order)).Bind(params).WithContext(e.Request.Context()).All(&rows)
	if err != nil {
		return e.InternalServerError("", err)
	}
	// the reach as a run would count it, from the clients' groups by lists
	// (mailingsReach): a few rows per owner, not a read of every client per row
	pageIds := make([]string, len(rows))
	for i, r := range rows {
		pageIds[i] = r.Id
	}
	records, err := e.App.FindRecordsByIds("mailings", pageIds, withContext(e.Request.Context()))
	if err != nil {
		return e.InternalServerError("", err)
	}
	reach, err := mailingsReach(e.Request.Context(), e.App, records)
	if err != nil {
		return e.InternalServerError("", err)
	}
	for _, r := range rows {
		m := moderatedMailing{
			Id: r.Id, Subject: r.Subject, Status: r.Status, Stopped: r.Stopped, StopReason: r.StopReason, AutoStopped: r.AutoStopped,
			Owner:      userRef{Id: r.Owner, Email: r.OwnerEmail, Name: r.OwnerName},
			Recipients: reach[r.Id], Created: r.Created, Updated: r.Updated,
		}
		if !r.NextSend.IsZero() {
			m.NextSend = r.NextSend.String()
		}
		if r.StoppedBy != "" {
			m.StoppedBy = &userRef{Id: r.StoppedBy, Email: r.StoppedByEmail}
		}
		if r.RunId != "" {
			m.LastRun = &runCounts{Id: r.RunId, Status: r.RunStatus, RunAt: r.RunAt, Total: r.Total, Sent: r.Sent, Failed: r.Failed}
		}
		out.Items = append(out.Items, m)
	}
	return e.JSON(http.StatusOK, out)
}
