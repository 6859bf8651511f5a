package hooks

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
)

// exportBatch is how many rows one query of an export reads: the answer
// streams batch after batch, each found by cursor (the last row's sort
// key), so memory stays one batch whatever the size of the log.
const exportBatch = 2000

func bindExports(app core.App) {
	// the CSV downloads of the logs and the clients pages, streamed, of the
	// caller's own rows only (a custom route passes no API rule, so the
	// owner condition is written here); the web app fetches them with its
	// token in the header and offers the file once whole (ui.js
	// downloadExport). Before them, the page fetched the log 500 rows a
	// request by OFFSET: 2,001 requests for a million rows, each sorting.
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/postrider/deliveries/export", exportDeliveries).Bind(apis.RequireAuth("users"))
		se.Router.GET("/api/postrider/clients/export", exportClients).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
}

// csvWriter writes the cells of a spreadsheet-safe CSV as the web app's
// downloadCSV does (pb_public/js/ui.js): a byte-order mark first, so that
// Excel reads UTF-8 (Cyrillic turns to mojibake without it); every cell quoted, quotes doubled; a cell that would
// run as a formula (=, +, -, @) gets a leading apostrophe, so that a client
// named "=HYPERLINK(…)" stays text; CRLF line ends.
type csvWriter struct{ w *bufio.Writer }

func newCSV(e *core.RequestEvent, filename string) csvWriter {
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	e.Response.WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(e.Response, 64<<10)
	w.WriteString("\ufeff")
	return csvWriter{w}
}

func (c csvWriter) row(cells ...string) {
	for i, s := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			s = "'" + s
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(s, `"`, `""`))
		c.w.WriteByte('"')
	}
	c.w.WriteString("\r\n")
}

// flush sends what is written so far; false when the caller went away.
func (c csvWriter) flush(e *core.RequestEvent) bool {
	if c.w.Flush() != nil {
		return false
	}
	http.NewResponseController(e.Response).Flush()
	return e.Request.Context().Err() == nil
}

// exportDeliveries streams the caller's log as the logs page shows it,
// newest first, with the page's filters (mailing, status, from, to); the
// times on the caller's clock, the zone named in the header.
func exportDeliveries(e *core.RequestEvent) error {
	user := e.Auth
	q := e.Request.URL.Query()
	loc := dispatch.Zone(user.GetString("timezone"))
	from, to, err := dayRange(e, loc)
	if err != nil {
		return err
	}
	where := dbx.And(dbx.HashExp{"owner": user.Id})
	if m := q.Get("mailing"); m != "" {
		where = dbx.And(where, dbx.HashExp{"mailing": m})
	}
	if s := q.Get("status"); s != "" {
		where = dbx.And(where, dbx.HashExp{"status": s})
	}
	if from != "" {
		where = dbx.And(where, dbx.NewExp(outcomeAt+" >= {:from}", dbx.Params{"from": from}))
	}
	if to != "" {
		where = dbx.And(where, dbx.NewExp(outcomeAt+" < {:to}", dbx.Params{"to": to}))
	}
	var subjects []struct {
		ID      string `db:"id"`
		Subject string `db:"subject"`
	}
	if err := e.App.DB().Select("id", "subject").From("mailings").Where(dbx.HashExp{"owner": user.Id}).WithContext(e.Request.Context()).All(&subjects); err != nil {
		return e.InternalServerError("", err)
	}
	subject := make(map[string]string, len(subjects))
	for _, s := range subjects {
		subject[s.ID] = s.Subject
	}

	type row struct {
		RowID     int64          `db:"rowid"`
		ID        string         `db:"id"`
		Mailing   string         `db:"mailing"`
		Email     string         `db:"email"`
		Status    string         `db:"status"`
		Attempts  int            `db:"attempts"`
		Response  string         `db:"response"`
		MessageID string         `db:"message_id"`
		SentAt    string         `db:"sent_at"`
		Updated   types.DateTime `db:"updated"`
	}
	out := newCSV(e, "postrider-log.csv")
	out.row("time ("+loc.String()+")", "mailing", "email", "status", "attempts", "response", "message_id")
	// the page's order (-sent_at,-updated), rowid last so that the cursor
	// is exact; both orders are indexes read backwards
	var last *row
	for {
		page := where
		if last != nil {
			page = dbx.And(where, dbx.NewExp("([[sent_at]], [[updated]], [[rowid]]) < ({:s}, {:u}, {:r})",
				dbx.Params{"s": last.SentAt, "u": last.Updated.String(), "r": last.RowID}))
		}
		var rows []row
		err := e.App.DB().Select(logColumns...).
			From("deliveries").Where(page).OrderBy("sent_at DESC", "updated DESC", "rowid DESC").Limit(exportBatch).WithContext(e.Request.Context()).All(&rows)
		if err != nil {
			return err // the answer has begun: the download ends short
		}
		for _, r := range rows {
			at := r.Updated
			if r.SentAt != "" {
				at, _ = types.ParseDateTime(r.SentAt)
			}
			out.row(at.Time().In(loc).Format(time.DateTime), subject[r.Mailing], r.Email, r.Status,
				strconv.Itoa(r.Attempts), r.Response, r.MessageID)
		}
		if !out.flush(e) || len(rows) < exportBatch {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}

// exportClients streams the caller's clients as the clients page shows
// them, by email whatever its capitals, with the page's search (q) and list
// filter (list) and bouncing filter (bouncing=1).
func exportClients(e *core.RequestEvent) error {
	user := e.Auth
	q := e.Request.URL.Query()
	where := clientsWhere(user.Id, q.Get("q"), q.Get("list"), q.Get("bouncing") == "1")
	var lists []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := e.App.DB().Select("id", "name").From("lists").Where(dbx.HashExp{"owner": user.Id}).WithContext(e.Request.Context()).All(&lists); err != nil {
		return e.InternalServerError("", err)
	}
	name := make(map[string]string, len(lists))
	for _, l := range lists {
		name[l.ID] = l.Name
	}

	type row struct {
		RowID        int64                   `db:"rowid"`
		Key          string                  `db:"key"`
		Email        string                  `db:"email"`
		Name         string                  `db:"name"`
		Comment      string                  `db:"comment"`
		Lists        types.JSONArray[string] `db:"lists"`
		Unsubscribed bool                    `db:"unsubscribed"`
	}
	out := newCSV(e, "postrider-clients.csv")
	out.row("email", "name", "comment", "lists", "unsubscribed")
	// the page's order (email:lower, the index on LOWER(email)), rowid
	// last so that the cursor is exact
	var last *row
	for {
		page := where
		if last != nil {
			page = dbx.And(where, dbx.NewExp("(LOWER([[email]]), [[rowid]]) > ({:k}, {:r})", dbx.Params{"k": last.Key, "r": last.RowID}))
		}
		var rows []row
		err := e.App.DB().Select("rowid", "LOWER(email) AS key", "email", "name", "comment", "lists", "unsubscribed").
			From("clients").Where(page).OrderBy("LOWER(email)", "rowid").Limit(exportBatch).WithContext(e.Request.Context()).All(&rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			var in []string
			for _, id := range r.Lists {
				if n, ok := name[id]; ok {
					in = append(in, n)
				}
			}
			out.row(r.Email, r.Name, r.Comment, strings.Join(in, "; "), strconv.FormatBool(r.Unsubscribed))
		}
		if !out.flush(e) || len(rows) < exportBatch {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}
