package hooks

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
)

// actionLimit is the moderation log's action for a change of a user's
// daily_limit.
const actionLimit = "limit"

// bindDailyLimit: users.daily_limit (DESIGN.md "Trust and limits") is the
// server's on sign-up (POSTRIDER_NEW_USER_DAILY_LIMIT, whatever the body
// says) and only moderators (for plain users, as users.go already
// checked) and superusers change it; a moderator gives a reason in the
// body's "reason" (not a field of users) and every change is logged.
// Registered after bindUsers, whose update hook refused every other field
// a moderator may not change.
func bindDailyLimit(app core.App, cfg config.Config) {
	app.OnRecordCreateRequest("users").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() || !bodyHas(e, "daily_limit") {
			e.Record.Set("daily_limit", cfg.NewUserDailyLimit)
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest("users").BindFunc(changeDailyLimit)
}

// changeDailyLimit refuses a user's change of their own limit, asks a
// moderator for a reason, and logs the change as "old → new: reason".
func changeDailyLimit(e *core.RecordRequestEvent) error {
	r := e.Record
	if !fieldChanged(r, "daily_limit") {
		return e.Next()
	}
	super := e.HasSuperuserAuth()
	if !super && e.Auth.Id == r.Id {
		msg := "Only a moderator can change your daily limit."
		return e.ForbiddenError(msg, fieldError("daily_limit", "forbidden", msg))
	}
	reason := bodyReason(e, "reason")
	if reason == "" && !super {
		return badField(e, "reason", "validation_reason_required", "Say why the daily limit changes: it is logged.")
	}
	if len([]rune(reason)) > maxLimitReason {
		return badField(e, "reason", "validation_max_text_constraint", fmt.Sprintf("Keep the reason under %d characters.", maxLimitReason))
	}
	said := fmt.Sprintf("%s → %s", limitSaid(r.Original().GetInt("daily_limit")), limitSaid(r.GetInt("daily_limit")))
	if reason != "" {
		said += ": " + reason
	}
	return logged(e, actionLimit, r.Id, "", said)
}

// maxLimitReason leaves room in moderation_log.reason (1,000 characters)
// for the "old → new: " before it.
const maxLimitReason = 900

// limitSaid is a daily limit as the log says it: "1000", or "none" for 0.
func limitSaid(n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

// bodyHas tells whether the request's body names field.
func bodyHas(e *core.RecordRequestEvent, field string) bool {
	info, err := e.RequestInfo()
	if err != nil {
		return false
	}
	_, ok := info.Body[field]
	return ok
}
