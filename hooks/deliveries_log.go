package hooks

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// LogEntry is one row of the logs page.
type LogEntry struct {
	ID        string `db:"id" json:"id"`
	Mailing   string `db:"mailing" json:"mailing"`
	Email     string `db:"email" json:"email"`
	Status    string `db:"status" json:"status"`
	Attempts  int    `db:"attempts" json:"attempts"`
	Response  string `db:"response" json:"response"`
	Relay     string `db:"relay" json:"relay"` // the relay that carried it (dispatch/relays.go)
	MessageID string `db:"message_id" json:"message_id"`
	SentAt    string `db:"sent_at" json:"sent_at"`
	Updated   string `db:"updated" json:"updated"`
	// what came back after the relay took it (the inbound package): hard,
	// soft or complaint, when, and the remote server's words
	Bounce      string `db:"bounce" json:"bounce"`
	BouncedAt   string `db:"bounced_at" json:"bounced_at"`
	BounceReply string `db:"bounce_reply" json:"bounce_reply"`
}

// logColumns are what a page and the export read of a delivery.
var logColumns = []string{"rowid", "id", "mailing", "email", "status", "attempts", "response", "relay", "message_id", "sent_at", "updated", "bounce", "bounced_at", "bounce_reply"}

// deliveriesLog is the logs page's table, of the caller's own deliveries
// only (a custom route passes no API rule, so the owner condition is
// written here). PocketBase's list counted the matches row by row (a
// million for a large sender) and its date filter, an OR over two columns,
// used no index; here the total comes from the runs' counters, or from two
// index ranges when dates are given (none past logCountMax rows each), and
// the rows from an index in the page's order.
//
// keptDays (POSTRIDER_LOG_RETENTION_DAYS) goes with every answer, for the
// page to say how long rows are kept.
func deliveriesLog(keptDays int) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error { return deliveriesLogPage(e, keptDays) }
}

// logAnswer is a page of the log and how long rows are kept (0: always).
type logAnswer struct {
	*page[*LogEntry]
	KeptDays int `json:"kept_days"`
}

func deliveriesLogPage(e *core.RequestEvent, keptDays int) error {
	q := e.Request.URL.Query()
	pageNo, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("perPage"))
	pageNo, perPage = max(pageNo, 1), min(max(perPage, 1), 100)
	if q.Get("perPage") == "" {
		perPage = 20
	}
	from, to, rangeErr := dayRange(e, schedule.Zone(e.Auth.GetString("timezone")))
	if rangeErr != nil {
		return rangeErr
	}
	where := logWhere(e.Auth.Id, q.Get("mailing"), q.Get("status"))
	out := &page[*LogEntry]{Page: pageNo, PerPage: perPage, Items: []*LogEntry{}}
	offset := (pageNo - 1) * perPage
	// after (the last row of the page before) starts the page where that
	// row left off, however deep (logAfter): no offset to skip
	after, err := logAfter(e, q.Get("after"))
	if err != nil {
		return e.InternalServerError("", err)
	}
	rowsOf := func(where dbx.Expression) dbx.Expression { return where }
	if after != nil {
		rowsOf = func(where dbx.Expression) dbx.Expression { return dbx.And(where, after) }
		offset = 0
	}

	if from == "" && to == "" {
		out.TotalItems, err = logTotal(e.Request.Context(), e.App, e.Auth.Id, q.Get("mailing"), q.Get("status"))
		if err == nil {
			err = logRows(e.Request.Context(), e.App, rowsOf(where), offset, perPage, &out.Items)
		}
	} else {
		// the page's order puts every sent message (by sent_at) before
		// every failed or pending one (sent_at empty, by updated): two
		// index ranges, counted and read one after the other
		// (one lower bound each: given two, SQLite took sent_at > '' for
		// the range's start and read a week's count off a million entries)
		sent := dbx.And(where, dbx.NewExp("[[sent_at]] > ''"))
		if from != "" {
			sent = dbx.And(where, dbx.NewExp("[[sent_at]] >= {:from}", dbx.Params{"from": from}))
		}
		other := dbx.And(where, dbx.HashExp{"sent_at": ""}, dbx.NewExp("[[updated]] >= {:from}", dbx.Params{"from": from}))
		if to != "" {
			sent = dbx.And(sent, dbx.NewExp("[[sent_at]] < {:to}", dbx.Params{"to": to}))
			other = dbx.And(other, dbx.NewExp("[[updated]] < {:to}", dbx.Params{"to": to}))
		}
		// each range counted up to what the page needs (a week of a
		// large sender is 780,000 rows, 85 ms to count): past it the
		// page has no total, as a broad clients search
		need := max(logCountMax, offset+perPage) + 1
		var nSent, nOther int
		if nSent, err = countUpTo(e, sent, need); err != nil {
			return e.InternalServerError("", err)
		}
		if nOther, err = countUpTo(e, other, logCountMax+1); err != nil {
			return e.InternalServerError("", err)
		}
		out.TotalItems = nSent + nOther
		if nSent == need || nOther > logCountMax {
			out.TotalItems = -1
		}
		// nSent, when short of need, is exact; when not, the page lies
		// among the sent ones
		if after != nil || offset < nSent {
			// after a cursor, the sent ones left (none after a failed one)
			err = logRows(e.Request.Context(), e.App, rowsOf(sent), offset, perPage, &out.Items)
		}
		if err == nil && len(out.Items) < perPage && (after != nil || offset+len(out.Items) >= nSent) {
			var rest []*LogEntry
			err = logRows(e.Request.Context(), e.App, rowsOf(other), max(offset-nSent, 0), perPage-len(out.Items), &rest)
			out.Items = append(out.Items, rest...)
		}
	}
	if err != nil {
		return e.InternalServerError("", err)
	}
	out.TotalPages = (out.TotalItems + perPage - 1) / perPage
	if out.TotalItems < 0 {
		out.TotalPages = -1
	}
	return e.JSON(http.StatusOK, logAnswer{out, keptDays})
}

// logCountMax is the most rows of each of its two ranges the log with
// dates counts for its total (a variable for the tests).
var logCountMax = 10000

// countUpTo counts the deliveries where holds, up to limit.
func countUpTo(e *core.RequestEvent, where dbx.Expression, limit int) (int, error) {
	db := e.App.ConcurrentDB().(*dbx.DB)
	params := dbx.Params{"limit": limit}
	var n int
	err := db.NewQuery("SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE " + where.Build(db, params) + " LIMIT {:limit})").
		Bind(params).WithContext(e.Request.Context()).Row(&n)
	return n, err
}

// logAfter is the condition of the rows after the caller's delivery id in
// the page's order (-sent_at,-updated, then the newest row), nil when id
// is empty or names no delivery of theirs (the page then counts by its
// number, as before cursors: a row the retention deleted meanwhile). On
// the order's indexes it starts where that row is: page 500 of a mailing
// costs what page 1 does.
func logAfter(e *core.RequestEvent, id string) (dbx.Expression, error) {
	if id == "" {
		return nil, nil
	}
	var row struct {
		SentAt  string `db:"sent_at"`
		Updated string `db:"updated"`
		RowID   int64  `db:"rowid"`
	}
	err := e.App.DB().Select("sent_at", "updated", "rowid").From("deliveries").
		Where(dbx.HashExp{"id": id, "owner": e.Auth.Id}).WithContext(e.Request.Context()).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return dbx.NewExp("([[sent_at]], [[updated]], [[rowid]]) < ({:afterSent}, {:afterUpdated}, {:afterRow})",
		dbx.Params{"afterSent": row.SentAt, "afterUpdated": row.Updated, "afterRow": row.RowID}), nil
}

// logWhere is the condition of the log's filters but dates: the owner's
// deliveries, of one mailing and of one status when given. SQLite's
// statistics hold an average per owner (all owners alike), so a mailing's
// twenty thousand rows would be looked for among its owner's million: with
// a mailing, the owner's term is kept out of the indexes (+).
func logWhere(owner, mailing, status string) dbx.Expression {
	where := dbx.And(dbx.HashExp{"owner": owner})
	if mailing != "" {
		where = dbx.And(dbx.NewExp("+[[owner]] = {:owner} AND [[mailing]] = {:mailing}", dbx.Params{"owner": owner, "mailing": mailing}))
	}
	if status != "" {
		where = dbx.And(where, dbx.HashExp{"status": status})
	}
	return where
}

// logRows reads a page of the log in its order (-sent_at,-updated, then
// the newest row), an index read from its end.
func logRows(ctx context.Context, app core.App, where dbx.Expression, offset, limit int, into *[]*LogEntry) error {
	return logQuery(app, where, offset, limit).WithContext(ctx).All(into)
}

// logQuery is logRows' query (its plan is tested: a mailing's page reads
// idx_deliveries_mailing_outcome from its end, sorting nothing).
func logQuery(app core.App, where dbx.Expression, offset, limit int) *dbx.SelectQuery {
	return app.DB().Select(logColumns[1:]...).From("deliveries").Where(where).
		OrderBy("sent_at DESC", "updated DESC", "rowid DESC").Offset(int64(offset)).Limit(int64(limit))
}

// logTotal counts the owner's deliveries (of a mailing, of a status) from
// the counters of the runs that are done or cancelled (but those whose rows the log's
// retention deleted), and by the rows of the few runs still sending or
// paused.
func logTotal(ctx context.Context, app core.App, owner, mailing, status string) (int, error) {
	runs := dbx.HashExp{"owner": owner}
	if mailing != "" {
		runs["mailing"] = mailing
	}
	counter := map[string]string{
		"": "total", lifecycle.DeliverySent: "sent", lifecycle.DeliveryFailed: "failed", lifecycle.DeliveryPending: "total - sent - failed",
	}[status]
	if counter == "" {
		return 0, nil // a status no delivery has
	}
	var done, open int
	err := app.DB().Select("COALESCE(SUM(" + counter + "), 0)").From("runs").
		Where(dbx.And(runs, dbx.HashExp{"status": []any{lifecycle.RunDone, lifecycle.RunCancelled}, "log_deleted_at": ""})).WithContext(ctx).Row(&done)
	if err != nil {
		return 0, err
	}
	// the open runs' rows by the index on run alone: the runs are the owner's
	rows := dbx.And(dbx.NewExp("[[run]] IN (SELECT [[id]] FROM {{runs}} WHERE [[owner]] = {:owner} AND [[status]] NOT IN ('"+lifecycle.RunDone+"', '"+lifecycle.RunCancelled+"'))", dbx.Params{"owner": owner}))
	if mailing != "" {
		rows = dbx.And(rows, dbx.NewExp("+[[mailing]] = {:mailing}", dbx.Params{"mailing": mailing}))
	}
	if status != "" {
		rows = dbx.And(rows, dbx.NewExp("+[[status]] = {:status}", dbx.Params{"status": status}))
	}
	err = app.DB().Select("COUNT(*)").From("deliveries").Where(rows).WithContext(ctx).Row(&open)
	return done + open, err
}
