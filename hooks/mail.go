package hooks

import (
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/config"
	"postrider/dispatch"
	"postrider/mailout"
)

func bindMail(app core.App, cfg config.Config) {
	// account mail goes where mailings go: through the dispatcher's SMTP
	// client (the same TLS mode), or, with no SMTP server configured, to
	// pb_data/outbox/ rather than to a sendmail that a local try rarely has
	opts := dispatch.OptionsFrom(cfg)
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		switch e.Mailer.(type) {
		case *mailer.Sendmail:
			out := &mailout.Outbox{Dir: mailout.OutboxDir(e.App.DataDir()), Logger: e.App.Logger()}
			if !e.App.IsDev() { // in dev mode the log is printed already
				out.Console = os.Stdout
			}
			e.Mailer = out
		case *mailer.SMTPClient:
			e.Mailer = dispatch.NewMailer(e.App, opts)
		}
		return e.Next()
	})
}
