package hooks

import (
	"html"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
)

// greet names the user in an account mail: "Hello, Anna," in the greeting
// every template starts with (ours and PocketBase's), and the name in To;
// but only in mail to an address the user has confirmed. The name is the
// user's own text: in mail to an address not yet confirmed (the sign-up's
// confirmation, a reset asked for an unconfirmed account, an email change's
// new address) it would let anyone send their words, from the service's
// address and signed by it, to an address of their choosing.
func greet(e *core.MailerRecordEvent) error {
	name := strings.TrimSpace(e.Record.GetString("name"))
	if name != "" && e.Message != nil && toConfirmedAddress(e.Record, e.Message) {
		e.Message.HTML = strings.Replace(e.Message.HTML, "<p>Hello,</p>", "<p>Hello, "+html.EscapeString(name)+",</p>", 1)
		for i := range e.Message.To {
			e.Message.To[i].Name = name
		}
	}
	return e.Next()
}

// toConfirmedAddress tells whether m goes only to the user's own address,
// confirmed.
func toConfirmedAddress(user *core.Record, m *mailer.Message) bool {
	if !user.Verified() || len(m.To) == 0 {
		return false
	}
	for _, to := range m.To {
		if !strings.EqualFold(to.Address, user.Email()) {
			return false
		}
	}
	return true
}

func bindGreetings(app core.App) {
	// account mails greet the user by name, whichever PocketBase sends
	app.OnMailerRecordVerificationSend("users").BindFunc(greet)
	app.OnMailerRecordPasswordResetSend("users").BindFunc(greet)
	app.OnMailerRecordEmailChangeSend("users").BindFunc(greet)
	app.OnMailerRecordOTPSend("users").BindFunc(greet)
	app.OnMailerRecordAuthAlertSend("users").BindFunc(greet)
}
