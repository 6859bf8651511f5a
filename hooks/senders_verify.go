package hooks

import (
	"html"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/dispatch"
	"postrider/internal/smtpclient"
	"postrider/internal/words"
	"postrider/mailout"
)

// The confirmation mail of a sender goes to an address of the user's
// choosing, so it is a channel to strangers: it carries no text the user
// typed (not the sender's name, not the user's), only the address itself
// and the service's own words and link, and each user may have only a few
// a day, one per sender every few minutes.
const (
	senderMailsPerUser   = 10
	senderMailsUserSpan  = 24 * time.Hour
	senderMailsPerSender = 1
	senderMailsSpan      = 2 * time.Minute
)

// senderMails mails senders their confirmation links, within the limits.
type senderMails struct {
	// the app outside any transaction: the mail goes once a batch has
	// committed, when its transaction's app is closed
	app                core.App
	perUser, perSender *sendLimit
}

func newSenderMails(app core.App) *senderMails {
	return &senderMails{app: app,
		perUser:   newSendLimit(senderMailsPerUser, senderMailsUserSpan),
		perSender: newSendLimit(senderMailsPerSender, senderMailsSpan)}
}

// allow counts one more confirmation mail for the caller (and for the
// sender's address, when the sender has an id yet), or answers 429.
func (m *senderMails) allow(e *core.RequestEvent, senderID, email string) error {
	now := time.Now()
	if senderID != "" && !m.perSender.take(senderID+" "+strings.ToLower(email), now) {
		return e.TooManyRequestsError("A confirmation link went to this address a moment ago: wait a few minutes before asking again.", nil)
	}
	if !m.perUser.take(e.Auth.Id, now) {
		return e.TooManyRequestsError("Too many confirmation mails today: try again tomorrow.", nil)
	}
	return nil
}

// sendAfterCommit mails the link once app's transaction (a batch) has
// committed, or now when there is none; a failure is logged, and the
// Senders page offers to send it again.
func (m *senderMails) sendAfterCommit(app core.App, senderID, email string) {
	send := func() {
		if err := m.send(senderID, email); err != nil {
			m.app.Logger().Error("A sender's confirmation mail could not be sent", "sender", senderID, "error", err.Error())
		}
	}
	if tx := app.TxInfo(); tx != nil {
		tx.OnComplete(func(txErr error) error {
			if txErr == nil {
				send()
			}
			return nil
		})
		return
	}
	send()
}

// send mails the confirmation link of the sender to its address, in every
// language of the service (the recipient's is not known).
func (m *senderMails) send(senderID, email string) error {
	secret, err := mailout.UnsubscribeSecret(m.app.DataDir())
	if err != nil {
		return err
	}
	settings := m.app.Settings()
	link := appURL(m.app) + "/senders/confirm/" + senderToken(secret, senderID, email, time.Now().Add(senderTokenLife))
	service := dispatch.ServiceName(settings)
	var htmlBody, text string
	for _, lang := range words.Languages {
		paras := []string{
			words.T(lang, "senders.mailIntro", "service", service, "email", email),
			words.T(lang, "senders.mailAction"),
			link,
			words.T(lang, "senders.mailIgnore"),
		}
		for i, p := range paras {
			text += p + "\n\n"
			if i == 2 {
				htmlBody += `<p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(words.T(lang, "senders.mailLink")) + `</a></p>`
				continue
			}
			htmlBody += "<p>" + html.EscapeString(p) + "</p>"
		}
		htmlBody += "<hr>"
		text += "--\n\n"
	}
	return m.app.NewMailClient().Send(&mailer.Message{
		From:    mail.Address{Name: service, Address: settings.Meta.SenderAddress},
		To:      []mail.Address{{Address: email}},
		Subject: words.T("en", "senders.mailSubject", "service", service) + " / " + words.T("ru", "senders.mailSubject", "service", service),
		HTML:    htmlBody,
		Text:    text,
	})
}

// resendSenderLink is the Senders page's "send again": the caller's own
// unverified sender only (404 for anyone else's), within the limits.
func (m *senderMails) resendSenderLink(e *core.RequestEvent) error {
	sender, err := e.App.FindRecordById("senders", e.Request.PathValue("id"), withContext(e.Request.Context()))
	if err != nil || sender.GetString("owner") != e.Auth.Id {
		return e.NotFoundError("", nil)
	}
	if sender.GetBool("verified") {
		msg := "This sender is verified already."
		return e.BadRequestError(msg, fieldError("verified", "validation_sender_verified", msg))
	}
	if err := m.allow(e, sender.Id, sender.GetString("email")); err != nil {
		return err
	}
	if err := m.send(sender.Id, sender.GetString("email")); err != nil {
		e.App.Logger().Error("A sender's confirmation mail could not be sent", "sender", sender.Id, "error", err.Error())
		return e.InternalServerError("The confirmation mail could not be sent: "+smtpclient.Explain(err)+".", nil)
	}
	return e.JSON(http.StatusOK, map[string]string{"sent_to": sender.GetString("email")})
}
