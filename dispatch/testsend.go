package dispatch

import (
	"net/mail"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

// SendTest sends to (the mailing's owner) the message a run would send
// client c: written by the run's own template, with the same headers and
// parts, except that its unsubscribe link is the inert one of a preview
// (SampleUnsubscribeURL), which unsubscribes no one. It goes as account
// mail does: signed, to the settings' SMTP server, or into the outbox when
// there is none.
func SendTest(app core.App, opts Options, mailing *core.Record, c Client, to mail.Address) error {
	tmpl, f, err := previewOf(app, mailing, c)
	if err != nil {
		return err
	}
	w := tmpl.newWriter()
	raw := tmpl.write(w, &f, to, tmpl.messageID(previewRun+"."+security.PseudorandomString(20)))
	return NewMailer(app, opts).sendRaw(app.Settings().Meta.SenderAddress, []string{to.Address}, raw, tmpl.domainKey)
}
