package hooks

import (
	"context"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
)

// MailingSummary is one row of the mailings page: when the mailing goes out
// next, whom it reaches now and how its last run went.
type MailingSummary struct {
	ID      string `db:"id" json:"id"`
	Owner   string `db:"owner" json:"owner"`
	Subject string `db:"subject" json:"subject"`
	Status  string `db:"status" json:"status"`
	Stopped bool   `db:"stopped" json:"stopped"`
	// a moderator's stop, which only a moderator lifts, and its reason
	ByModerator bool   `db:"stopped_by_moderator" json:"stopped_by_moderator"`
	StopReason  string `db:"stop_reason" json:"stop_reason"`
	// "" / pending / approved / rejected, and the moderator's reason
	// (approval.go)
	Approval       string `db:"approval" json:"approval"`
	ApprovalReason string `db:"approval_reason" json:"approval_reason"`
	// the server's stop, its owner's health past a limit: only a moderator lifts it
	AutoStopped bool `db:"auto_stopped" json:"auto_stopped"`
	// the sender it names ("" for none); not verified now, it goes out as
	// its owner (dispatch/from.go)
	SenderName     string `db:"sender_name" json:"sender_name"`
	SenderEmail    string `db:"sender_email" json:"sender_email"`
	SenderVerified bool   `db:"sender_verified" json:"sender_verified"`
	// zero when it may not send (lifecycle.MaySend) or no window is due again
	NextSend   types.DateTime `db:"-" json:"next_send"`
	Recipients int            `db:"-" json:"recipients"`
	LastRun    *RunSummary    `db:"-" json:"last_run"` // null before the first run
}

// RunSummary is how one run went.
type RunSummary struct {
	Mailing string         `db:"mailing" json:"-"`
	RunAt   types.DateTime `db:"run_at" json:"run_at"`
	Status  string         `db:"status" json:"status"`
	Total   int            `db:"total" json:"total"`
	Sent    int            `db:"sent" json:"sent"`
	Failed  int            `db:"failed" json:"failed"`
	// its deliveries are still being written: total counts those so far
	Claiming   bool           `db:"claiming" json:"claiming"`
	StartedAt  types.DateTime `db:"started_at" json:"started_at"`
	FinishedAt types.DateTime `db:"finished_at" json:"finished_at"`
	ID         string         `db:"id" json:"id"`
	// how many of its recipients were not sent to, and why
	Skipped Skipped `db:"-" json:"skipped"`
}

// mailingsSummary is the mailings page in one request, of the caller's own
// mailings only (a custom route passes no API rule, so the owner condition
// is written here); before it, the page asked once per mailing how many it
// reaches.
func mailingsSummary(e *core.RequestEvent) error {
	out, err := mailingSummaries(e.Request.Context(), e.App, e.Auth.Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}

// mailingSummaries summarises the mailings of owner, newest first, in five
// queries whatever their number: the mailings, the reach groups, the next
// send of each, the last run of each and the skipped of every run (GROUP
// BYs over indexes). A moderator's view of every owner would pass a wider scope than the one
// owner; each query names the owner in one place for that.
func mailingSummaries(ctx context.Context, app core.App, owner string) ([]*MailingSummary, error) {
	scope := dbx.Params{"owner": owner}
	var mailings []struct {
		MailingSummary
		Lists types.JSONArray[string] `db:"lists"`
		// picked clients in none of its lists, looked up by id (CROSS JOIN
		// keeps SQLite from scanning all the owner's clients instead)
		Picked int `db:"picked"`
	}
	err := app.DB().NewQuery(`
		SELECT m.[[id]], m.[[owner]], m.[[subject]], m.[[status]], m.[[stopped]], m.[[lists]],
			m.[[stopped_by]] != '' AS stopped_by_moderator, m.[[stop_reason]], m.[[approval]], m.[[approval_reason]], m.[[auto_stopped]],
			COALESCE(s.[[name]], '') AS sender_name, COALESCE(s.[[email]], '') AS sender_email,
			COALESCE(s.[[verified]], FALSE) AS sender_verified,
			(SELECT COUNT(DISTINCT c.[[id]]) FROM json_each(m.[[clients]]) p CROSS JOIN {{clients}} c ON c.[[id]] = p.value
				WHERE c.[[owner]] = m.[[owner]] AND c.[[unsubscribed]] = FALSE AND c.[[bouncing]] = FALSE
				AND NOT EXISTS (SELECT 1 FROM json_each(c.[[lists]]) a, json_each(m.[[lists]]) b WHERE a.value = b.value)) AS picked
		FROM {{mailings}} m LEFT JOIN {{senders}} s ON s.[[id]] = m.[[sender]] AND s.[[owner]] = m.[[owner]]
		WHERE m.[[owner]] = {:owner} ORDER BY m.[[created]] DESC, m.[[id]]`).
		Bind(scope).WithContext(ctx).All(&mailings)
	if err != nil {
		return nil, err
	}

	// the reach through lists: a mailing reaches every group of clients
	// that shares one of its lists
	groups, err := reachGroups(ctx, app, owner)
	if err != nil {
		return nil, err
	}
	out := make([]*MailingSummary, len(mailings))
	for i, m := range mailings {
		m.Recipients = m.Picked + reachOf(groups, m.Owner, m.Lists)
		out[i] = &m.MailingSummary
	}

	byID := make(map[string]*MailingSummary, len(out))
	for _, m := range out {
		byID[m.ID] = m
	}

	var next []struct {
		Mailing string         `db:"mailing"`
		At      types.DateTime `db:"at"`
	}
	err = app.DB().NewQuery(`
		SELECT s.[[mailing]], MIN(s.[[next_run_at]]) AS at
		FROM {{schedules}} s JOIN {{mailings}} m ON m.[[id]] = s.[[mailing]] JOIN {{users}} u ON u.[[id]] = m.[[owner]]
		WHERE m.[[owner]] = {:owner} AND ` + windowSendsNext + ` AND ` + lifecycle.MaySend + ` GROUP BY s.[[mailing]]`).Bind(scope).WithContext(ctx).All(&next)
	if err != nil {
		return nil, err
	}
	for _, n := range next {
		if m := byID[n.Mailing]; m != nil {
			m.NextSend = n.At
		}
	}

	// SQLite takes the other columns of a MAX() group from the row with the
	// maximum: the latest occurrence of each mailing
	var runs []*RunSummary
	err = app.DB().NewQuery(`
		SELECT r.[[mailing]], MAX(r.[[run_at]]) AS run_at, r.[[id]], r.[[status]], r.[[total]], r.[[sent]], r.[[failed]], r.[[claiming]],
			r.[[started_at]], r.[[finished_at]]
		FROM {{runs}} r JOIN {{mailings}} m ON m.[[id]] = r.[[mailing]]
		WHERE m.[[owner]] = {:owner} GROUP BY r.[[mailing]]`).Bind(scope).WithContext(ctx).All(&runs)
	if err != nil {
		return nil, err
	}
	skipped, err := skippedByRun(ctx, app, "r.[[owner]] = {:scope}", owner)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		r.Skipped = skipped[r.ID]
		if r.Skipped == nil {
			r.Skipped = Skipped{}
		}
		if m := byID[r.Mailing]; m != nil {
			m.LastRun = r
		}
	}
	return out, nil
}
