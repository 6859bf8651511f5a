package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The links in the account mails open the web app's own pages, not the dashboard.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.VerificationTemplate = core.EmailTemplate{
			Subject: "Confirm your email for {APP_NAME}",
			Body: accountMail("Thank you for signing up for {APP_NAME}. Confirm your email address to start sending mailings.",
				"{APP_URL}/confirm?token={TOKEN}", "Confirm my email",
				"If you did not sign up, ignore this message: nothing happens without the confirmation."),
		}
		users.ResetPasswordTemplate = core.EmailTemplate{
			Subject: "Reset your {APP_NAME} password",
			Body: accountMail("Someone asked to reset the password of your {APP_NAME} account.",
				"{APP_URL}/reset-password?token={TOKEN}", "Choose a new password",
				"If it was not you, ignore this message: your password stays as it is."),
		}
		users.ConfirmEmailChangeTemplate = core.EmailTemplate{
			Subject: "Confirm your new {APP_NAME} email",
			Body: accountMail("Confirm this address as the new email of your {APP_NAME} account.",
				"{APP_URL}/confirm-email-change?token={TOKEN}", "Confirm the new email",
				"If you did not ask for it, ignore this message: your email stays as it is."),
		}
		return app.Save(users)
	}, nil)
}

func accountMail(lead, link, button, footer string) string {
	return `<p>Hello,</p>
<p>` + lead + `</p>
<p><a class="btn" href="` + link + `" target="_blank" rel="noopener">` + button + `</a></p>
<p>Or open this link: ` + link + `</p>
<p><i>` + footer + `</i></p>
<p>{APP_NAME}</p>`
}
