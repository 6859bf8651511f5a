package hooks

import (
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
)

func bindModerationLists(app core.App) {
	// the moderators' two pages, each in one request: every user with their
	// numbers, every mailing with its reach and last run (never a client's
	// address nor the delivery log: a moderator reviews senders, not their
	// recipients)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/postrider/moderation")
		g.Bind(apis.RequireAuth()).BindFunc(moderatorsOnly)
		g.GET("/users", moderationUsers)
		g.GET("/mailings", moderationMailings)
		return se.Next()
	})
}

func moderatorsOnly(e *core.RequestEvent) error {
	if e.HasSuperuserAuth() || isModerator(e.Auth) {
		return e.Next()
	}
	return e.ForbiddenError("Only moderators can see this.", nil)
}

// page is a list answer, shaped as PocketBase's own lists.
type page[T any] struct {
	Page       int `json:"page"`
	PerPage    int `json:"perPage"`
	TotalItems int `json:"totalItems"`
	TotalPages int `json:"totalPages"`
	Items      []T `json:"items"`
}

const (
	defaultPerPage = 30
	maxPerPage     = 500
)

// paging reads page (from 1) and perPage (1..500) from the query.
func paging(e *core.RequestEvent) (pageNo, perPage int, err error) {
	q := e.Request.URL.Query()
	read := func(name string, def, max int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > max {
			msg := "Use a whole number from 1 to " + strconv.Itoa(max) + "."
			return 0, e.BadRequestError("Invalid "+name+".", fieldError(name, "validation_invalid_number", msg))
		}
		return n, nil
	}
	if pageNo, err = read("page", 1, math.MaxInt32); err != nil {
		return
	}
	perPage, err = read("perPage", defaultPerPage, maxPerPage)
	return
}

// orderBy turns sort (a key of columns, "-" first for descending) into an
// ORDER BY, with the tie-breakers after it; "" takes def.
func orderBy(e *core.RequestEvent, columns map[string]string, def string, tieBreakers string) (string, error) {
	sort := e.Request.URL.Query().Get("sort")
	if sort == "" {
		sort = def
	}
	key, dir := strings.TrimPrefix(sort, "-"), " ASC"
	if strings.HasPrefix(sort, "-") {
		dir = " DESC"
	}
	col, ok := columns[key]
	if !ok {
		msg := "Sort by one of: " + strings.Join(sortedKeys(columns), ", ") + " (a leading - for descending)."
		return "", e.BadRequestError("Invalid sort.", fieldError("sort", "validation_invalid_sort", msg))
	}
	return col + dir + ", " + tieBreakers, nil
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// likeParam is s for a LIKE pattern that finds it anywhere (with ESCAPE '\').
func likeParam(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func totalPages(total, perPage int) int {
	return (total + perPage - 1) / perPage
}

// ------------------------------------------------------------------ users

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
	Clients       int            `json:"clients" db:"clients"`
	Mailings      int            `json:"mailings" db:"mailings"`
	Sent7d        int            `json:"sent_7d" db:"sent_7d"`
	Failed7d      int            `json:"failed_7d" db:"failed_7d"`
	FailedShare   float64        `json:"failed_share" db:"failed_share"` // failed / (sent + failed) over 7 days, 0..1
}

var userSorts = map[string]string{
	"failed_share": "failed_share", "sent_7d": "sent_7d", "failed_7d": "failed_7d",
	"clients": "clients", "mailings": "mailings", "created": "u.created",
	"email": "u.email COLLATE NOCASE", "name": "u.name COLLATE NOCASE", "blocked": "u.blocked", "role": "u.role",
}

// moderationUsers lists every user with their numbers; each number is one
// grouped query over its collection, joined to the page of users.
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
	params["since"] = dbDateTime(time.Now().Add(-riskyWindow))
	params["limit"], params["offset"] = perPage, (pageNo-1)*perPage
	err = e.App.DB().NewQuery(`
		SELECT u.id, u.email, u.name, u.role, u.created, u.verified, u.blocked, u.blocked_reason,
		       COALESCE(c.n, 0) AS clients, COALESCE(m.n, 0) AS mailings,
		       COALESCE(r.sent, 0) AS sent_7d, COALESCE(r.failed, 0) AS failed_7d,
		       ` + failedShare("COALESCE(r.sent, 0)", "COALESCE(r.failed, 0)") + ` AS failed_share
		FROM users u
		LEFT JOIN (SELECT owner, COUNT(*) AS n FROM clients GROUP BY owner) c ON c.owner = u.id
		LEFT JOIN (SELECT owner, COUNT(*) AS n FROM mailings GROUP BY owner) m ON m.owner = u.id
		LEFT JOIN (SELECT owner, SUM(sent) AS sent, SUM(failed) AS failed FROM runs
		           WHERE started_at >= {:since} GROUP BY owner) r ON r.owner = u.id
		WHERE ` + where + `
		ORDER BY ` + order + `
		LIMIT {:limit} OFFSET {:offset}`).Bind(params).WithContext(e.Request.Context()).All(&out.Items)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}

// --------------------------------------------------------------- mailings

// moderatedMailing is one row of GET /api/postrider/moderation/mailings.
type moderatedMailing struct {
	Id         string         `json:"id"`
	Subject    string         `json:"subject"`
	Status     string         `json:"status"`
	Stopped    bool           `json:"stopped"`
	StopReason string         `json:"stop_reason"`
	StoppedBy  *userRef       `json:"stopped_by"` // null unless a moderator stopped it
	Owner      userRef        `json:"owner"`
	NextSend   string         `json:"next_send"`  // "" when it may not send (stopped, completed, owner blocked) or has no next occurrence
	Recipients int            `json:"recipients"` // its reach now: clients of its lists and the picked ones, once, minus the unsubscribed
	LastRun    *runCounts     `json:"last_run"`   // the latest occurrence's counters, or null
	Created    types.DateTime `json:"created"`
	Updated    types.DateTime `json:"updated"`
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
}

var mailingStatuses = []string{"created", "running", "completed"}

// moderationMailings lists every user's mailings, newest first, filtered
// by owner, status, stopped and a subject search. The page's reach, next
// send and last run are found for its rows only.
func moderationMailings(e *core.RequestEvent) error {
	pageNo, perPage, err := paging(e)
	if err != nil {
		return err
	}
	order, err := orderBy(e, mailingSorts, "-created", "m.id")
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	conds, params := []string{"TRUE"}, dbx.Params{}
	if v := q.Get("owner"); v != "" {
		conds, params["owner"] = append(conds, "m.owner = {:owner}"), v
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(mailingStatuses, v) {
			msg := "Use one of: " + strings.Join(mailingStatuses, ", ") + "."
			return e.BadRequestError("Invalid status.", fieldError("status", "validation_invalid_value", msg))
		}
		conds, params["status"] = append(conds, "m.status = {:status}"), v
	}
	if v := q.Get("stopped"); v != "" {
		stopped, convErr := strconv.ParseBool(v)
		if convErr != nil {
			return e.BadRequestError("Invalid stopped.", fieldError("stopped", "validation_invalid_value", "Use true or false."))
		}
		conds, params["stopped"] = append(conds, "m.stopped = {:stopped}"), stopped
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
		SELECT p.id, p.subject, p.status, p.stopped, p.stop_reason, p.stopped_by, p.stopped_by_email,
		       p.owner, p.owner_email, p.owner_name, p.created, p.updated,
		       CASE WHEN p.stopped OR p.status = 'completed' OR p.owner_blocked THEN '' ELSE
		         COALESCE((SELECT MIN(s.next_run_at) FROM schedules s WHERE s.mailing = p.id AND s.next_run_at != ''), '')
		       END AS next_send,
		       COALESCE(r.id, '') AS run_id, COALESCE(r.status, '') AS run_status, COALESCE(r.run_at, '') AS run_at,
		       COALESCE(r.total, 0) AS total, COALESCE(r.sent, 0) AS sent, COALESCE(r.failed, 0) AS failed
		FROM (SELECT m.id, m.subject, m.status, m.stopped, m.stop_reason, m.stopped_by, m.owner,
		             m.created, m.updated, u.email AS owner_email, u.name AS owner_name, u.blocked AS owner_blocked,
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
	// the reach, one query per row of the page as the dispatcher counts it
	// (a client's lists are JSON: no index finds a list's members)
	pageIds := make([]string, len(rows))
	for i, r := range rows {
		pageIds[i] = r.Id
	}
	records, err := e.App.FindRecordsByIds("mailings", pageIds, withContext(e.Request.Context()))
	if err != nil {
		return e.InternalServerError("", err)
	}
	reach := map[string]int{}
	for _, m := range records {
		if reach[m.Id], err = dispatch.CountRecipients(e.App, m); err != nil {
			return e.InternalServerError("", err)
		}
	}
	for _, r := range rows {
		m := moderatedMailing{
			Id: r.Id, Subject: r.Subject, Status: r.Status, Stopped: r.Stopped, StopReason: r.StopReason,
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
