package hooks

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/internal/lifecycle"
)

// Approval of new senders (DESIGN.md "Trust and limits"): with
// POSTRIDER_APPROVAL at new_users or all, the server marks a mailing
// pending when it is created, and again when its subject, body or sender
// change; a moderator approves or rejects it (the dispatcher sends nothing
// of a pending or rejected one: lifecycle.MaySend). Users' trust is in
// trust.go, the moderators' queue in moderation_approvals.go, their digest
// in approval_digest.go.

// The moderation log's actions of approval and trust.
const (
	actionApprove = "approve"
	actionReject  = "reject"
	actionTrust   = "trust"
	actionUntrust = "untrust"
)

// approvalFields are a mailing's fields of approval: the server's and the
// moderators', never the owner's.
var approvalFields = []string{"approval", "approval_reason", "approved_by"}

// approvalAsked are the fields whose change asks for approval again: what
// the recipients read and whom it comes from.
var approvalAsked = []string{"subject", "body", "sender"}

// approvalMode is POSTRIDER_APPROVAL.
type approvalMode string

// appliesTo tells whether the mailings of owner wait for a moderator:
// everyone's with all, a plain user's not trusted with new_users
// (moderators are trusted by their role).
func (m approvalMode) appliesTo(owner *core.Record) bool {
	switch m {
	case config.ApprovalAll:
		return true
	case config.ApprovalNewUsers:
		return owner.GetString("role") != roleModerator && !owner.GetBool("trusted")
	}
	return false
}

// appliesToOwnerOf is appliesTo for the owner of mailing.
func (m approvalMode) appliesToOwnerOf(app core.App, mailing *core.Record) (bool, error) {
	if m != config.ApprovalAll && m != config.ApprovalNewUsers {
		return false, nil
	}
	owner, err := app.FindRecordById("users", mailing.GetString("owner"))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // no such owner: the record's validation refuses it
	}
	if err != nil {
		return false, err
	}
	return m.appliesTo(owner), nil
}

func bindApproval(app core.App, mode approvalMode) {
	// however a mailing is created (REST, a batch, Go), it waits when
	// approval applies to its owner; a superuser may create it decided
	app.OnRecordCreate("mailings").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("approval") != "" {
			return e.Next()
		}
		applies, err := mode.appliesToOwnerOf(e.App, e.Record)
		if err != nil {
			return err
		}
		if applies {
			e.Record.Set("approval", lifecycle.ApprovalPending)
		}
		return e.Next()
	})

	// an edit of what the recipients read asks again, unless this very
	// save decides (a superuser's edit and approval at once); a mailing
	// from before approval was on asks too, or an old mailing rewritten
	// would escape it
	app.OnRecordUpdate("mailings").BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		if r.GetString("approval") == lifecycle.ApprovalPending || fieldChanged(r, "approval") || !anyChanged(r, approvalAsked...) {
			return e.Next()
		}
		applies, err := mode.appliesToOwnerOf(e.App, r)
		if err != nil {
			return err
		}
		if applies {
			r.Set("approval", lifecycle.ApprovalPending)
			r.Set("approval_reason", "")
			r.Set("approved_by", "")
		}
		return e.Next()
	})

	// the owner never sets these, on create or update, REST or batch
	app.OnRecordCreateRequest("mailings").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		for _, field := range approvalFields {
			if e.Record.GetString(field) != "" {
				return ownerNeverDecides(e, field)
			}
		}
		return e.Next()
	})
	// registered after bindMailings, whose hook refused a moderator's
	// change of any other field and anyone's approved_by
	app.OnRecordUpdateRequest("mailings").BindFunc(decideApproval)
}

// decideApproval handles a change of approval or approval_reason. The
// owner changes neither. A moderator or a superuser sets approved or
// rejected, with the reason in approval_reason (required for a rejection:
// the owner reads it); the server sets approved_by (the moderator who
// decided, either way; empty for a superuser, as stopped_by) and logs the
// decision. A superuser may also set a mailing back to "" or pending,
// which is not a decision and is not logged.
func decideApproval(e *core.RecordRequestEvent) error {
	r := e.Record
	if !anyChanged(r, approvalFields...) {
		return e.Next()
	}
	super := e.HasSuperuserAuth()
	if !super && r.GetString("owner") == e.Auth.Id {
		for _, field := range approvalFields {
			if fieldChanged(r, field) {
				return ownerNeverDecides(e, field)
			}
		}
	}
	decision := r.GetString("approval")
	reason := bodyReason(e, "approval_reason")
	r.Set("approval_reason", reason)
	r.Set("approved_by", "")
	switch decision {
	case lifecycle.ApprovalApproved, lifecycle.ApprovalRejected:
	case "", lifecycle.ApprovalPending:
		if super {
			return e.Next()
		}
		fallthrough
	default:
		return badField(e, "approval", "validation_invalid_value", "A moderator sets approved or rejected.")
	}
	if decision == lifecycle.ApprovalRejected && reason == "" {
		return badField(e, "approval_reason", "validation_reason_required", "Say why the mailing is rejected: its owner reads it.")
	}
	if !super {
		r.Set("approved_by", e.Auth.Id)
	}
	action := actionApprove
	if decision == lifecycle.ApprovalRejected {
		action = actionReject
	}
	return logged(e, action, r.GetString("owner"), r.Id, reason)
}

func ownerNeverDecides(e *core.RecordRequestEvent, field string) error {
	return badField(e, field, "validation_system_field", "Whether a mailing may send is a moderator's decision, recorded by the server.")
}

// anyChanged tells whether any of the named fields differs from the stored value.
func anyChanged(r *core.Record, names ...string) bool {
	for _, name := range names {
		if fieldChanged(r, name) {
			return true
		}
	}
	return false
}
