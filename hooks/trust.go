package hooks

import "github.com/pocketbase/pocketbase/core"

// A user's trust (DESIGN.md "Trust and limits"): with POSTRIDER_APPROVAL
// at new_users, the mailings of a trusted user need no approval. Only
// moderators (for plain users: users.go refuses the rest) and superusers
// change it, with the reason in the request body's "reason" (users have no
// field for it: the moderation log keeps it). Trusting a user approves
// none of their pending mailings: each was written before, and waits for
// its own decision; their next ones need none.

func bindTrust(app core.App) {
	// nobody signs up trusted
	app.OnRecordCreateRequest("users").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() && e.Record.GetBool("trusted") {
			return badField(e, "trusted", "validation_system_field", "Only a moderator can trust an account.")
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest("users").BindFunc(trustOrUntrust)
}

// trustOrUntrust handles a change of trusted: refused to the user
// themselves, logged with its reason for a moderator (who must give one)
// or a superuser.
func trustOrUntrust(e *core.RecordRequestEvent) error {
	r := e.Record
	if !fieldChanged(r, "trusted") {
		return e.Next()
	}
	super := e.HasSuperuserAuth()
	if !super && e.Auth.Id == r.Id {
		msg := "Only a moderator can trust an account."
		return e.ForbiddenError(msg, fieldError("trusted", "forbidden", msg))
	}
	reason := bodyReason(e, "reason")
	trusted := r.GetBool("trusted")
	if reason == "" && !super {
		return reasonRequired(e, "reason", trusted, "Say why this account is trusted: its mailings will go out without approval.", "Say why this account's mailings need approval again.")
	}
	action := actionTrust
	if !trusted {
		action = actionUntrust
	}
	return logged(e, action, r.Id, "", reason)
}
