package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/config"
	"postrider/dispatch"
	"postrider/internal/lifecycle"
	"postrider/internal/words"
)

// The moderators' digest: when mailings start waiting for approval, every
// moderator gets one short mail, at most one an hour for the whole service
// (the time of the last is kept in the database, in PocketBase's _params
// table, so that a restart does not send another). It names counts and
// owners' emails only: subjects and bodies are typed by users, and a
// digest is no way to mail their words from the service's address.

const (
	// digestJobID names the digest's job in PocketBase's cron (GET /api/crons).
	digestJobID = "postrider_approval_digest"
	// digestParam is the _params row that keeps when the last digest went out.
	digestParam = "postrider_approval_digest"
	// digestEvery is the least time between two digests.
	digestEvery = time.Hour
	// digestOwners is how many owners' emails a digest names at most.
	digestOwners = 20
)

// bindApprovalDigest checks every five minutes, inside serve, whether a
// digest is due (with approval off, nothing waits and nothing is checked).
func bindApprovalDigest(app core.App, mode approvalMode) {
	if mode != config.ApprovalAll && mode != config.ApprovalNewUsers {
		return
	}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.App.Cron().MustAdd(digestJobID, "*/5 * * * *", func() {
			if _, err := SendApprovalDigest(context.Background(), e.App, time.Now()); err != nil {
				e.App.Logger().Error("The moderators' digest could not be sent", slog.String("error", err.Error()))
			}
		})
		return e.Next()
	})
}

// SendApprovalDigest mails the moderators when a mailing started waiting
// since the last digest and that was an hour or more before now (serve's
// cron passes the time; tests pass theirs). It tells whether it sent one.
func SendApprovalDigest(ctx context.Context, app core.App, now time.Time) (bool, error) {
	var last string
	err := app.DB().NewQuery(`SELECT json_extract(value, '$') FROM _params WHERE id = {:id}`).
		Bind(dbx.Params{"id": digestParam}).WithContext(ctx).Row(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if last != "" && last > dbDateTime(now.Add(-digestEvery)) {
		return false, nil
	}
	var waiting []struct {
		Email string `db:"email"`
		New   bool   `db:"new"`
	}
	err = app.DB().NewQuery(`
		SELECT u.email, m.updated > {:last} AS new FROM mailings m JOIN users u ON u.id = m.owner
		WHERE m.approval = {:pending} ORDER BY m.updated`).
		Bind(dbx.Params{"pending": lifecycle.ApprovalPending, "last": last}).WithContext(ctx).All(&waiting)
	if err != nil {
		return false, err
	}
	fresh := 0
	var owners []string
	for _, w := range waiting {
		if w.New {
			fresh++
		}
		if !containsFold(owners, w.Email) {
			owners = append(owners, w.Email)
		}
	}
	if fresh == 0 {
		return false, nil
	}
	var moderators []string
	err = app.DB().NewQuery(`SELECT email FROM users WHERE role = {:role} AND verified = TRUE AND blocked = FALSE ORDER BY email`).
		Bind(dbx.Params{"role": roleModerator}).WithContext(ctx).Column(&moderators)
	if err != nil || len(moderators) == 0 {
		return false, err
	}
	// the hour's slot is taken before anything is sent: two processes (or
	// a retry after a failed send) never mail twice within it
	if taken, err := takeDigestSlot(app, last, now); err != nil || !taken {
		return false, err
	}
	msg := digestMessage(app, len(waiting), fresh, owners)
	for _, to := range moderators {
		one := *msg
		one.To = []mail.Address{{Address: to}}
		if err := app.NewMailClient().Send(&one); err != nil {
			return true, fmt.Errorf("mailing %s: %w", to, err)
		}
	}
	return true, nil
}

// takeDigestSlot records now as the last digest's time, if the last is
// still the one read (seen, "" for none).
func takeDigestSlot(app core.App, seen string, now time.Time) (bool, error) {
	value, err := json.Marshal(dbDateTime(now))
	if err != nil {
		return false, err
	}
	res, err := app.NonconcurrentDB().NewQuery(`
		INSERT INTO _params (id, value, created, updated) VALUES ({:id}, {:value}, {:now}, {:now})
		ON CONFLICT (id) DO UPDATE SET value = excluded.value, updated = excluded.updated
		WHERE json_extract(_params.value, '$') = {:seen}`).
		Bind(dbx.Params{"id": digestParam, "value": string(value), "now": dbDateTime(now), "seen": seen}).Execute()
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// digestMessage is the digest in every language of the service, as the
// senders' confirmation: a moderator's language is not known.
func digestMessage(app core.App, total, fresh int, owners []string) *mailer.Message {
	settings := app.Settings()
	service := dispatch.ServiceName(settings)
	link := appURL(app) + "/moderation/approvals"
	more := 0
	if len(owners) > digestOwners {
		owners, more = owners[:digestOwners], len(owners)-digestOwners
	}
	var htmlBody, text strings.Builder
	for _, lang := range words.Languages {
		intro := words.T(lang, "approvals.digestIntro", "count", total, "new", fresh, "service", service)
		who := words.T(lang, "approvals.digestOwners")
		fmt.Fprintf(&text, "%s\n\n%s\n", intro, who)
		fmt.Fprintf(&htmlBody, "<p>%s</p><p>%s</p><ul>", html.EscapeString(intro), html.EscapeString(who))
		for _, o := range owners {
			fmt.Fprintf(&text, "- %s\n", o)
			fmt.Fprintf(&htmlBody, "<li>%s</li>", html.EscapeString(o))
		}
		if more > 0 {
			others := words.T(lang, "approvals.digestMore", "count", more)
			fmt.Fprintf(&text, "%s\n", others)
			fmt.Fprintf(&htmlBody, "<li>%s</li>", html.EscapeString(others))
		}
		action := words.T(lang, "approvals.digestLink")
		fmt.Fprintf(&text, "\n%s: %s\n\n--\n\n", action, link)
		fmt.Fprintf(&htmlBody, `</ul><p><a href="%s">%s</a></p><hr>`, html.EscapeString(link), html.EscapeString(action))
	}
	return &mailer.Message{
		From:    mail.Address{Name: service, Address: settings.Meta.SenderAddress},
		Subject: words.T("en", "approvals.digestSubject", "count", total) + " / " + words.T("ru", "approvals.digestSubject", "count", total),
		HTML:    htmlBody.String(),
		Text:    text.String(),
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
