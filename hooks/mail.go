package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/mailout"
)

func bindMail(app core.App) {
	// with no SMTP server configured PocketBase would hand mail to sendmail,
	// which a local try rarely has: keep it in pb_data/outbox/ instead
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		if _, ok := e.Mailer.(*mailer.Sendmail); ok {
			e.Mailer = &mailout.Outbox{Dir: mailout.OutboxDir(e.App.DataDir()), Logger: e.App.Logger()}
		}
		return e.Next()
	})
}
