package hooks

import (
	"errors"
	"log/slog"
	_ "time/tzdata" // schedules repeat in the owner's zone, whatever the host has installed

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/mails"
	"github.com/pocketbase/pocketbase/tools/routine"

	"postrider/internal/schedule"
)

const (
	roleUser      = "user"
	roleModerator = "moderator"
)

// isModerator tells whether auth is a user with the moderator role.
func isModerator(auth *core.Record) bool {
	return auth != nil && auth.Collection().Name == "users" && auth.GetString("role") == roleModerator
}

func bindUsers(app core.App) {
	// every account starts as a plain user in UTC unless it says otherwise
	app.OnRecordCreate("users").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("role") == "" {
			e.Record.Set("role", roleUser)
		}
		if e.Record.GetString("timezone") == "" {
			e.Record.Set("timezone", "UTC")
		}
		return e.Next()
	})

	// schedules repeat in the user's zone, so it must be a zone Go knows;
	// moderators keep the service clean and cannot be blocked themselves
	app.OnRecordValidate("users").BindFunc(func(e *core.RecordEvent) error {
		if tz := e.Record.GetString("timezone"); tz != "" {
			if !schedule.KnownZone(tz) {
				return fieldError("timezone", "validation_invalid_timezone",
					"Unknown time zone: use an IANA name such as Europe/Moscow or UTC.")
			}
		}
		if e.Record.GetBool("blocked") && e.Record.GetString("role") == roleModerator {
			return fieldError("blocked", "validation_moderator_unblockable",
				"Moderators cannot be blocked: make them a user first.")
		}
		return e.Next()
	})

	// sign-up: the role, the blocked flag and the confirmation are not the
	// caller's to choose, whatever the request says
	app.OnRecordCreateRequest("users").BindFunc(func(e *core.RecordRequestEvent) error {
		// a sign-up inside /api/batch would escape the sign-up's rate limit
		// (PocketBase applies collection limits in the route's middleware,
		// which a batch's sub-requests skip), and each mails a confirmation
		if info, _ := e.RequestInfo(); info != nil && info.Context == core.RequestInfoContextBatch && !e.HasSuperuserAuth() {
			return e.ForbiddenError("Sign up with POST /api/collections/users/records, not inside a batch.", nil)
		}
		if !e.HasSuperuserAuth() {
			e.Record.Set("role", roleUser)
			e.Record.Set("blocked", false)
			e.Record.Set("blocked_reason", "")
			e.Record.SetVerified(false)
		}
		return e.Next()
	})

	// a user edits their own profile but never their role or blocked flag
	// (nor its reason; nor their daily limit: daily_limit.go; nor trusted:
	// trust.go); a moderator only blocks or unblocks plain users, changes
	// their daily limit or trusts them
	app.OnRecordUpdateRequest("users").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		if e.Auth.Id == e.Record.Id {
			if fieldChanged(e.Record, "role") {
				return e.ForbiddenError("Only a superuser can change a role.", fieldError("role", "forbidden", "Only a superuser can change a role."))
			}
			if fieldChanged(e.Record, "blocked") || fieldChanged(e.Record, "blocked_reason") {
				return e.ForbiddenError("You cannot block or unblock yourself.", fieldError("blocked", "forbidden", "You cannot block or unblock yourself."))
			}
			return e.Next()
		}
		// the update rule lets only moderators reach another user's record
		if e.Record.Original().GetString("role") != roleUser {
			return e.ForbiddenError("Moderators cannot be blocked.", nil)
		}
		if field := onlyChanged(e.Record, "blocked", "blocked_reason", "daily_limit", "trusted"); field != "" {
			msg := "Moderators can only block or unblock a user, change their daily limit, or trust them."
			return e.ForbiddenError(msg, fieldError(field, "forbidden", msg))
		}
		return e.Next()
	})

	// blocking ends every session of the account at once: a new token key
	// voids the tokens it holds, realtime connections included; the old key
	// is kept so that those tokens, and no forged one, learn why
	// (hooks/sessions.go)
	app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
		blocked, was := e.Record.GetBool("blocked"), e.Record.Original().GetBool("blocked")
		if blocked && !was {
			e.Record.Set("blocked_token_key", e.Record.TokenKey())
			e.Record.RefreshTokenKey()
			e.App.Logger().Info("User blocked; their sessions are ended", slog.String("user", e.Record.Id))
		}
		if !blocked && was {
			e.Record.Set("blocked_token_key", "")
		}
		return e.Next()
	})

	// password login says why an account cannot log in, but only to whoever
	// knows its password; the auth rule refuses the same accounts on every
	// other way of getting a token. The password is checked once: a wrong
	// one gets PocketBase's own answer here, not from its handler, which
	// would check it again and so take twice as long as for an unknown
	// email (which the handler answers after one dummy check).
	app.OnRecordAuthWithPasswordRequest("users").BindFunc(func(e *core.RecordAuthWithPasswordRequestEvent) error {
		if e.Record == nil {
			return e.Next() // the default answer: 400 "Failed to authenticate."
		}
		if !e.Record.ValidatePassword(e.Password) {
			return e.BadRequestError("Failed to authenticate.", errors.New("invalid login credentials"))
		}
		if e.Record.GetBool("blocked") {
			return blockedLogin(e.RequestEvent, e.Record)
		}
		if !e.Record.Verified() {
			msg := "Confirm your email before logging in: open the link in the mail we sent, or ask for a new one."
			return e.ForbiddenError(msg, fieldError("identity", "email_not_confirmed", msg))
		}
		return apis.RecordAuthResponse(e.RequestEvent, e.Record, core.MFAMethodPassword, nil)
	})

	// moderators see the email of every user they moderate
	app.OnRecordEnrich("users").BindFunc(func(e *core.RecordEnrichEvent) error {
		if e.RequestInfo != nil && isModerator(e.RequestInfo.Auth) {
			e.Record.IgnoreEmailVisibility(true)
		}
		return e.Next()
	})

	// the confirmation mail goes out by itself on sign-up
	app.OnRecordAfterCreateSuccess("users").BindFunc(func(e *core.RecordEvent) error {
		if !e.Record.Verified() {
			user := e.Record
			routine.FireAndForget(func() {
				if err := mails.SendRecordVerification(app, user); err != nil {
					app.Logger().Error("Failed to send the confirmation mail",
						slog.String("user", user.Id), slog.String("error", err.Error()))
				}
			})
		}
		return e.Next()
	})
}
