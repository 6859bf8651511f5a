package hooks

import (
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// autoStoppedIsServers refuses a client's auto_stopped.
const autoStoppedIsServers = "Only the server stops a mailing automatically."

// The moderation log's actions (health.ActionAutoStop is the server's).
const (
	actionStop    = "stop"
	actionResume  = "resume"
	actionBlock   = "block"
	actionUnblock = "unblock"
)

func bindModeration(app core.App) {
	// a moderator's stop or resume needs a reason and is logged; it sticks:
	// the owner cannot resume what a moderator stopped (registered after
	// bindMailings, whose hook already refused every other change of a
	// moderator and any stopped_by a client sent)
	app.OnRecordUpdateRequest("mailings").BindFunc(stopOrResume)

	// a moderator's block or unblock needs a reason and is logged (users.go
	// already refused oneself, moderators and every other field)
	app.OnRecordUpdateRequest("users").BindFunc(blockOrUnblock)

	// the log is the server's: no API client writes it, superusers included
	// (the nil rules stop everyone else before this hook)
	refuse := func(e *core.RecordRequestEvent) error {
		msg := "The moderation log is written by the server only."
		return e.ForbiddenError(msg, nil)
	}
	app.OnRecordCreateRequest("moderation_log").BindFunc(refuse)
	app.OnRecordUpdateRequest("moderation_log").BindFunc(refuse)
	app.OnRecordDeleteRequest("moderation_log").BindFunc(refuse)
}

// stopOrResume handles a change of stopped or stop_reason. The owner stops
// and resumes their own mailing freely (a reason optional, nothing logged)
// unless a moderator stopped it, or the server did (auto_stopped,
// internal/health). A moderator's or a superuser's stop sets stop_reason
// (and stopped_by, for a moderator), their resume clears both and
// auto_stopped; a moderator must give the reason in stop_reason either
// way. A new stop_reason for a mailing already stopped is a stop (a
// moderator so takes over the owner's or the server's stop, and it sticks).
func stopOrResume(e *core.RecordRequestEvent) error {
	r := e.Record
	stoppedChanged, reasonChanged := fieldChanged(r, "stopped"), fieldChanged(r, "stop_reason")
	if !stoppedChanged && !reasonChanged {
		return e.Next()
	}
	stopped := r.GetBool("stopped")
	reason := bodyReason(e, "stop_reason")
	super := e.HasSuperuserAuth()

	if !super && r.GetString("owner") == e.Auth.Id {
		if r.Original().GetString("stopped_by") != "" {
			if stoppedChanged {
				msg := withReason("A moderator stopped this mailing, so only a moderator can resume it.", r.Original().GetString("stop_reason"))
				return e.ForbiddenError(msg, fieldError("stopped", "mailing_stopped_by_moderator", msg))
			}
			msg := "The reason is the moderator's who stopped this mailing."
			return e.ForbiddenError(msg, fieldError("stop_reason", "mailing_stopped_by_moderator", msg))
		}
		if r.Original().GetBool("auto_stopped") {
			msg := withReason("This mailing was stopped automatically, so only a moderator can resume it.", r.Original().GetString("stop_reason"))
			field := "stopped"
			if !stoppedChanged {
				field = "stop_reason"
			}
			return e.ForbiddenError(msg, fieldError(field, "mailing_auto_stopped", msg))
		}
		if !stopped {
			r.Set("stop_reason", "") // a running mailing has no reason to be stopped
		}
		return e.Next()
	}

	if !stoppedChanged && !stopped {
		r.Set("stop_reason", "") // a reason alone does not stop a mailing
		return e.Next()
	}
	if reason == "" && !super {
		return reasonRequired(e, "stop_reason", stopped, "Say why the mailing is stopped: its owner reads it.", "Say why the mailing may send again.")
	}
	action := actionStop
	r.Set("auto_stopped", false) // the stop or the resume is a moderator's now
	if stopped {
		r.Set("stop_reason", reason)
		if !super {
			r.Set("stopped_by", e.Auth.Id)
		}
	} else {
		action = actionResume
		r.Set("stop_reason", "")
		r.Set("stopped_by", "")
	}
	return logged(e, action, r.GetString("owner"), r.Id, reason)
}

// blockOrUnblock handles a change of blocked or blocked_reason by a
// moderator or a superuser (a user's own change never reaches here). A
// block keeps its reason in blocked_reason, an unblock clears it; a
// moderator gives the reason in blocked_reason either way. A new reason for
// a user already blocked is logged as a block.
func blockOrUnblock(e *core.RecordRequestEvent) error {
	r := e.Record
	blockedChanged, reasonChanged := fieldChanged(r, "blocked"), fieldChanged(r, "blocked_reason")
	if !blockedChanged && !reasonChanged {
		return e.Next()
	}
	blocked := r.GetBool("blocked")
	if !blockedChanged && !blocked {
		r.Set("blocked_reason", "") // a reason alone blocks no one
		return e.Next()
	}
	reason := bodyReason(e, "blocked_reason")
	if reason == "" && !e.HasSuperuserAuth() {
		return reasonRequired(e, "blocked_reason", blocked, "Say why the account is blocked: its owner reads it at login.", "Say why the account may log in again.")
	}
	action := actionBlock
	if blocked {
		r.Set("blocked_reason", reason)
	} else {
		action = actionUnblock
		r.Set("blocked_reason", "")
	}
	return logged(e, action, r.Id, "", reason)
}

// bodyReason is the reason the request gives in field (not the stored one:
// a resume or an unblock must give its own).
func bodyReason(e *core.RecordRequestEvent, field string) string {
	info, err := e.RequestInfo()
	if err != nil {
		return ""
	}
	reason, _ := info.Body[field].(string)
	return strings.TrimSpace(reason)
}

func reasonRequired(e *core.RecordRequestEvent, field string, stop bool, stopMsg, resumeMsg string) error {
	msg := resumeMsg
	if stop {
		msg = stopMsg
	}
	return badField(e, field, "validation_reason_required", msg)
}

// logged saves the change and its moderation_log row in one transaction:
// both or neither. The response goes out when the transaction commits.
func logged(e *core.RecordRequestEvent, action, user, mailing, reason string) error {
	return e.App.RunInTransaction(func(tx core.App) error {
		col, err := tx.FindCachedCollectionByNameOrId("moderation_log")
		if err != nil {
			return err
		}
		entry := core.NewRecord(col)
		if e.HasSuperuserAuth() {
			entry.Set("superuser", e.Auth.Email())
		} else {
			entry.Set("moderator", e.Auth.Id)
		}
		entry.Set("action", action)
		entry.Set("user", user)
		entry.Set("mailing", mailing)
		entry.Set("reason", reason)
		if err := tx.Save(entry); err != nil {
			return err
		}
		e.App = tx
		return e.Next()
	})
}

// blockedLogin answers a blocked account's password login: 403 with the
// code account_blocked, and the moderator's reason both in the message and
// in the error's params (data.identity.params.reason) for the web app.
func blockedLogin(e *core.RequestEvent, user *core.Record) error {
	reason := user.GetString("blocked_reason")
	msg := withReason("This account is blocked by a moderator, so it cannot log in.", reason)
	err := validation.NewError("account_blocked", msg).SetParams(map[string]any{"reason": reason})
	return e.ForbiddenError(msg, validation.Errors{"identity": err})
}

// withReason is msg followed by the moderator's reason, when there is one.
func withReason(msg, reason string) string {
	if reason == "" {
		return msg
	}
	return msg + " The reason: " + reason
}
