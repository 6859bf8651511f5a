package hooks

import (
	"fmt"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"postrider/internal/lifecycle"
)

func bindMailings(app core.App) {
	// a new mailing starts as created; the dispatcher moves it on
	app.OnRecordCreate("mailings").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "" {
			e.Record.Set("status", lifecycle.MailingCreated)
		}
		return e.Next()
	})

	// hand-picked clients are capped before anything else looks at them (the
	// ownership check would query every id): large audiences belong in
	// lists, and the message says so
	app.OnRecordValidate("mailings").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -10,
		Func: func(e *core.RecordEvent) error {
			field, _ := e.Record.Collection().Fields.GetByName("clients").(*core.RelationField)
			if field != nil && field.MaxSelect > 0 && len(e.Record.GetStringSlice("clients")) > field.MaxSelect {
				return fieldError("clients", "validation_too_many_clients", fmt.Sprintf(
					"A mailing can name at most %d clients by hand; put larger audiences in a list and choose the list.",
					field.MaxSelect))
			}
			return e.Next()
		},
	})

	// a mailing names someone to send to once it has a window that sends
	// to its own lists and clients (a mailing whose windows are all
	// welcome windows sends to their lists' joiners), however it is saved
	// (REST, a batch, the dashboard, Go): refused beside the other fields'
	// errors, so that the form shows them all at once. A new mailing has no
	// windows yet: each window checks it as it is added
	// (checkWindowRecipients). Only a change of the recipients is checked,
	// so that an older mailing without any can still be stopped, renamed or
	// completed.
	app.OnRecordValidate("mailings").BindFunc(func(e *core.RecordEvent) error {
		err := e.Next()
		if e.Record.IsNew() || !namesNoOne(e.Record) || (!fieldChanged(e.Record, "lists") && !fieldChanged(e.Record, "clients")) {
			return err
		}
		own, qerr := sendsToItsOwn(e.App, e.Record.Id)
		if qerr != nil {
			return qerr
		}
		if !own {
			return err
		}
		errs, ok := err.(validation.Errors)
		if err != nil && !ok {
			return err
		}
		if errs == nil {
			errs = validation.Errors{}
		}
		errs["lists"] = noRecipients
		return errs
	})

	// a new mailing starts as the server makes it, however it is created
	// (REST, a batch): the status belongs to the dispatcher, and who stopped
	// it to the server (a stopped_by sent here would show as that
	// moderator's stop, with nothing in the moderation log); a stop on
	// create is the owner's own, and only a stop keeps a reason
	app.OnRecordCreateRequest("mailings").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		if e.Record.GetString("stopped_by") != "" {
			return badField(e, "stopped_by", "validation_system_field", "Who stopped a mailing is recorded by the server.")
		}
		if e.Record.GetBool("auto_stopped") {
			return badField(e, "auto_stopped", "validation_system_field", autoStoppedIsServers)
		}
		e.Record.Set("status", lifecycle.MailingCreated)
		if !e.Record.GetBool("stopped") {
			e.Record.Set("stop_reason", "")
		}
		return e.Next()
	})

	// owners edit their mailings except the status and who stopped it (or
	// that the server did); a moderator only stops or resumes someone
	// else's, with a reason (what a stop or a resume does is in
	// moderation.go), or approves or rejects it (approval.go)
	app.OnRecordUpdateRequest("mailings").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		if fieldChanged(e.Record, "stopped_by") {
			return badField(e, "stopped_by", "validation_system_field", "Who stopped a mailing is recorded by the server.")
		}
		if fieldChanged(e.Record, "auto_stopped") {
			return badField(e, "auto_stopped", "validation_system_field", autoStoppedIsServers)
		}
		if e.Record.GetString("owner") != e.Auth.Id {
			if field := onlyChanged(e.Record, "stopped", "stop_reason", "approval", "approval_reason"); field != "" {
				msg := "Moderators can only stop, resume, approve or reject a mailing."
				return e.ForbiddenError(msg, fieldError(field, "forbidden", msg))
			}
			return e.Next()
		}
		if fieldChanged(e.Record, "status") {
			return badField(e, "status", "validation_system_field", "The status is set by the dispatcher.")
		}
		return e.Next()
	})
}
