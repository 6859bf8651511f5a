package hooks

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Senders (DESIGN.md "Senders and bounces"): a user's own identities. The
// API rules keep each to its owner (migration 1795660025); here the server
// keeps verified and verified_at its own, unverifies a sender whose
// address changes, and mails the confirmation link (senders_verify.go).
func bindSenders(app core.App, mails *senderMails) {
	// a new sender starts unverified, however a user creates it (REST, a
	// batch); a superuser may create one verified, as the dashboard can
	app.OnRecordCreateRequest("senders").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			e.Record.Set("verified", false)
			e.Record.Set("verified_at", "")
		}
		if e.Record.GetBool("verified") {
			return e.Next()
		}
		if err := mails.allow(e.RequestEvent, "", ""); err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		mails.sendAfterCommit(e.App, e.Record.Id, e.Record.GetString("email"))
		return nil
	})

	// verified and verified_at belong to the server; a new address is
	// mailed a new link (the model hook below has unverified the sender)
	app.OnRecordUpdateRequest("senders").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			for _, f := range []string{"verified", "verified_at"} {
				if fieldChanged(e.Record, f) {
					return badField(e, f, "validation_system_field", "A sender is verified by the link mailed to its address, not by a request.")
				}
			}
		}
		newAddress := emailChanged(e.Record)
		if newAddress {
			if err := mails.allow(e.RequestEvent, e.Record.Id, e.Record.GetString("email")); err != nil {
				return err
			}
		}
		if err := e.Next(); err != nil {
			return err
		}
		if newAddress {
			mails.sendAfterCommit(e.App, e.Record.Id, e.Record.GetString("email"))
		}
		return nil
	})

	// a sender whose address changes is unverified again, on every path:
	// the link confirmed the old address, not the new one
	app.OnRecordUpdate("senders").BindFunc(func(e *core.RecordEvent) error {
		if emailChanged(e.Record) {
			e.Record.Set("verified", false)
			e.Record.Set("verified_at", "")
		}
		return e.Next()
	})
}

// emailChanged tells whether a sender's address is another one (not the
// same in other letter case).
func emailChanged(sender *core.Record) bool {
	return !strings.EqualFold(sender.GetString("email"), sender.Original().GetString("email"))
}

// checkMailingSender refuses a mailing's sender that is not one of its
// owner's verified senders (400 naming sender). Only a new mailing or a
// new sender is checked: a sender unverified later leaves its mailings
// saveable, and they go out as if they had none (dispatch/from.go).
func checkMailingSender(app core.App, mailing *core.Record) error {
	id := mailing.GetString("sender")
	if id == "" || (!mailing.IsNew() && !fieldChanged(mailing, "sender")) {
		return nil
	}
	var verified bool
	err := app.DB().Select("verified").From("senders").
		Where(dbx.HashExp{"id": id, "owner": mailing.GetString("owner")}).Row(&verified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fieldError("sender", "validation_not_owner", "Choose one of your own senders.")
	case err != nil:
		return err
	case !verified:
		return fieldError("sender", "validation_sender_unverified",
			"This sender's address is not verified yet: open the link mailed to it first.")
	}
	return nil
}
