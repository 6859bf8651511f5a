package hooks

import (
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/schedule"
)

// exportDeliveries streams the caller's log as the logs page shows it,
// newest first, with the page's filters (mailing, status, from, to); the
// times on the caller's clock, the zone named in the header.
func exportDeliveries(e *core.RequestEvent) error {
	user := e.Auth
	q := e.Request.URL.Query()
	loc := schedule.Zone(user.GetString("timezone"))
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
	subject, err := ownNames(e, "mailings", "subject")
	if err != nil {
		return e.InternalServerError("", err)
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
		// what came back later (the inbound package)
		Bounce      string `db:"bounce"`
		BounceReply string `db:"bounce_reply"`
	}
	out := newCSV(e, "postrider-log.csv")
	out.row("time ("+loc.String()+")", "mailing", "email", "status", "attempts", "response", "message_id", "bounce", "bounce_reply")
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
				strconv.Itoa(r.Attempts), r.Response, r.MessageID, r.Bounce, r.BounceReply)
		}
		if !out.flush(e) || len(rows) < exportBatch {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}
