package dispatch

import (
	"net/mail"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"postrider/mailout"
)

// Message is one mailing's message as one client gets it: what the
// mailing's preview shows and its test send carries.
type Message struct {
	From    string `json:"from"`     // as a mail client shows it: Name <address>
	ReplyTo string `json:"reply_to"` // "" for none
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

// Client is whom a preview is made for.
type Client struct {
	ID, Email, Name, Comment string
}

// SampleClient is the made-up client of a preview when the owner picks no
// client of theirs.
var SampleClient = Client{Email: "anna@example.com", Name: "Anna Example"}

// SampleUnsubscribeURL is the unsubscribe link of a preview and a test
// send: a page that says it unsubscribes no one (hooks/unsubscribe.go),
// since clicking a real one there would unsubscribe a real client the
// owner was only looking at.
func SampleUnsubscribeURL(appURL string) string {
	return strings.TrimRight(appURL, "/") + "/unsubscribe/preview"
}

// Preview renders mailing for c exactly as a run does (the same template,
// the same fields), except for the unsubscribe link, which is inert.
func Preview(app core.App, mailing *core.Record, c Client) (Message, error) {
	tmpl, f, err := previewOf(app, mailing, c)
	if err != nil {
		return Message{}, err
	}
	return Message{
		From: shown(tmpl.from), ReplyTo: shown(tmpl.replyTo),
		Subject: tmpl.subject.String(&f),
		HTML:    string(tmpl.html.AppendTo(nil, &f, true)),
		Text:    string(tmpl.text.AppendTo(nil, &f, false)),
	}, nil
}

// shown is an address as a mail client shows it, decoded: "Anna via
// Postrider <noreply@example.com>", "" for none.
func shown(a mail.Address) string {
	switch {
	case a.Address == "":
		return ""
	case a.Name == "":
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// previewRun names the run of a preview and a test send in their
// Feedback-ID, where a run's id stands.
const previewRun = "test"

// previewOf is the template of mailing as a run makes it, and c's values
// for it with the inert unsubscribe link.
func previewOf(app core.App, mailing *core.Record, c Client) (*template, mailout.Fields, error) {
	settings := app.Settings()
	from, err := fromOf(app, mailing)
	if err != nil {
		return nil, mailout.Fields{}, err
	}
	tmpl, err := newTemplate(mailingInfo{
		from: from.from, replyTo: from.replyTo, domainKey: from.signer,
		subject: mailing.GetString("subject"), body: mailing.GetString("body"), runID: previewRun,
		mailingID: mailing.Id, ownerID: mailing.GetString("owner"), appURL: settings.Meta.AppURL,
	})
	if err != nil {
		return nil, mailout.Fields{}, err
	}
	f := fieldsOf(recipient{client: c.ID, email: c.Email, name: c.Name, comment: c.Comment},
		SampleUnsubscribeURL(settings.Meta.AppURL))
	return tmpl, f, nil
}
