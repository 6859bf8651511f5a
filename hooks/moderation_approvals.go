package hooks

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
	"postrider/internal/health"
	"postrider/internal/lifecycle"
)

// The moderators' queue (GET /api/postrider/moderation/approvals): the
// mailings that wait for a decision, longest waiting first, each with
// what a moderator weighs in one answer: the message as a client gets it
// (for the sample client: a moderator sees no one's clients), its sender,
// reach and windows, and its owner's last 30 days.

// approvalWindow is one window of a pending mailing.
type approvalWindow struct {
	Mailing   string         `json:"-" db:"mailing"`
	Period    string         `json:"period" db:"period"`
	StartsAt  types.DateTime `json:"starts_at" db:"starts_at"`
	EndsAt    types.DateTime `json:"ends_at" db:"ends_at"`
	NextRunAt types.DateTime `json:"next_run_at" db:"next_run_at"`
}

// ownerHistory is a pending mailing's owner and their last 30 days: the
// messages sent and failed (the runs' counters), and the bounces and
// complaints heard back, with their shares of sent (0..1).
type ownerHistory struct {
	Id            string         `json:"id" db:"id"`
	Email         string         `json:"email" db:"email"`
	Name          string         `json:"name" db:"name"`
	Created       types.DateTime `json:"created" db:"created"`
	Trusted       bool           `json:"trusted" db:"trusted"`
	Sent30d       int            `json:"sent_30d" db:"sent_30d"`
	Failed30d     int            `json:"failed_30d" db:"failed_30d"`
	Bounced30d    int            `json:"bounced_30d" db:"bounced_30d"`
	Complaints30d int            `json:"complaints_30d" db:"complaints_30d"`
	BounceRate    float64        `json:"bounce_rate" db:"bounce_rate"`
	ComplaintRate float64        `json:"complaint_rate" db:"complaint_rate"`
}

// pendingMailing is one row of the queue.
type pendingMailing struct {
	Id         string           `json:"id"`
	Subject    string           `json:"subject"`
	Created    types.DateTime   `json:"created"`
	Updated    types.DateTime   `json:"updated"` // since when it waits, near enough: the save that made it pending
	Owner      ownerHistory     `json:"owner"`
	Recipients int              `json:"recipients"`
	Windows    []approvalWindow `json:"windows"`
	Message    dispatch.Message `json:"message"` // From, subject, HTML and text for the sample client
}

// historyDays is how far back the queue looks at an owner's sending.
const historyDays = 30

func moderationApprovals(e *core.RequestEvent) error {
	pageNo, perPage, err := paging(e)
	if err != nil {
		return err
	}
	ctx := e.Request.Context()
	pending := dbx.Params{"pending": lifecycle.ApprovalPending}
	out := page[pendingMailing]{Page: pageNo, PerPage: perPage, Items: []pendingMailing{}}
	if err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM mailings WHERE approval = {:pending}`).Bind(pending).WithContext(ctx).Row(&out.TotalItems); err != nil {
		return e.InternalServerError("", err)
	}
	out.TotalPages = totalPages(out.TotalItems, perPage)

	var records []*core.Record
	err = e.App.RecordQuery("mailings").
		Where(dbx.HashExp{"approval": lifecycle.ApprovalPending}).
		OrderBy("updated ASC", "id ASC").
		Limit(int64(perPage)).Offset(int64((pageNo - 1) * perPage)).
		WithContext(ctx).All(&records)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if len(records) == 0 {
		return e.JSON(http.StatusOK, out)
	}
	ids, owners := make([]any, len(records)), make([]any, len(records))
	for i, m := range records {
		ids[i], owners[i] = m.Id, m.GetString("owner")
	}

	history, err := ownersHistory(e.App, e, owners)
	if err != nil {
		return e.InternalServerError("", err)
	}
	var windows []approvalWindow
	err = e.App.DB().Select("mailing", "period", "starts_at", "ends_at", "next_run_at").From("schedules").
		Where(dbx.In("mailing", ids...)).OrderBy("starts_at ASC", "id ASC").WithContext(ctx).All(&windows)
	if err != nil {
		return e.InternalServerError("", err)
	}
	reach, err := mailingsReach(ctx, e.App, records)
	if err != nil {
		return e.InternalServerError("", err)
	}
	for _, m := range records {
		owner := m.GetString("owner")
		item := pendingMailing{
			Id: m.Id, Subject: m.GetString("subject"), Created: m.GetDateTime("created"), Updated: m.GetDateTime("updated"),
			Owner: history[owner], Windows: []approvalWindow{},
		}
		for _, w := range windows {
			if w.Mailing == m.Id {
				item.Windows = append(item.Windows, w)
			}
		}
		item.Recipients = reach[m.Id]
		if item.Message, err = dispatch.Preview(e.App, m, dispatch.SampleClient); err != nil {
			return e.InternalServerError("", err)
		}
		out.Items = append(out.Items, item)
	}
	return e.JSON(http.StatusOK, out)
}

// ownersHistory reads the owners' accounts and last 30 days, by id.
func ownersHistory(app core.App, e *core.RequestEvent, owners []any) (map[string]ownerHistory, error) {
	ids, err := json.Marshal(owners)
	if err != nil {
		return nil, err
	}
	var rows []ownerHistory
	err = app.DB().NewQuery(`
		SELECT u.id, u.email, u.name, u.created, u.trusted,
		       COALESCE(r.sent, 0) AS sent_30d, COALESCE(r.failed, 0) AS failed_30d,
		       COALESCE(b.bounced, 0) AS bounced_30d, COALESCE(b.complaints, 0) AS complaints_30d,
		       ` + health.RateSQL("b.bounced", "r.sent") + ` AS bounce_rate, ` + health.RateSQL("b.complaints", "r.sent") + ` AS complaint_rate
		FROM users u
		LEFT JOIN (SELECT owner, SUM(sent) AS sent, SUM(failed) AS failed FROM runs
		           WHERE owner IN (SELECT value FROM json_each({:owners})) AND started_at >= {:since} GROUP BY owner) r ON r.owner = u.id
		LEFT JOIN (SELECT d.owner, ` + bounceSums + ` FROM deliveries d INDEXED BY idx_deliveries_bounced_owner
		           WHERE d.owner IN (SELECT value FROM json_each({:owners})) AND d.bounce != '' AND d.bounced_at >= {:since}
		           GROUP BY d.owner) b ON b.owner = u.id
		WHERE u.id IN (SELECT value FROM json_each({:owners}))`).
		Bind(dbx.Params{"owners": string(ids), "since": dbDateTime(time.Now().AddDate(0, 0, -historyDays))}).
		WithContext(e.Request.Context()).All(&rows)
	byID := make(map[string]ownerHistory, len(rows))
	for _, r := range rows {
		byID[r.Id] = r
	}
	return byID, err
}
