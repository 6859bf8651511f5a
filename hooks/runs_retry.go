package hooks

import (
	"errors"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// runRetryCounts tells, for the mailing's page to show before asking, how
// many failed messages of the caller's own run a retry would send again
// (dispatch.RetryCounts), and whether the run was retried already. It
// changes nothing.
func runRetryCounts(e *core.RequestEvent) error {
	run, err := ownRun(e)
	if err != nil {
		return err
	}
	counts, err := dispatch.CountRetryable(e.App, run.Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	retried, err := e.App.FindFirstRecordByData("runs", "retry_of", run.Id)
	out := struct {
		dispatch.RetryCounts
		Retry string `json:"retry"` // the retry run, "" when none
	}{RetryCounts: counts}
	if err == nil {
		out.Retry = retried.Id
	}
	return e.JSON(http.StatusOK, out)
}

// retryRun sends the caller's own finished run again to its failed
// messages that may succeed now (dispatch.Retry): {"unconfirmed": true}
// adds those that may have arrived. It answers the new run, 400 when
// nothing may be sent again or the run may not be retried now, 409 when
// it was retried already. Another user's run answers 404, a moderator's
// included: a moderator never sees another user's log.
func retryRun(e *core.RequestEvent) error {
	run, err := ownRun(e)
	if err != nil {
		return err
	}
	var body struct {
		Unconfirmed bool `json:"unconfirmed"`
	}
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The body must be JSON such as {\"unconfirmed\": false}.", err)
	}
	retry, err := dispatch.Retry(e.App, run.Id, body.Unconfirmed, time.Now())
	switch {
	case errors.Is(err, dispatch.ErrRetriedBefore):
		return e.Error(http.StatusConflict, "This run was sent again already: a run is retried once.", nil)
	case errors.Is(err, dispatch.ErrRetryNone):
		return e.BadRequestError("No failed message of this run may succeed now: there is nothing to send again.", nil)
	case errors.Is(err, dispatch.ErrRetryNotDone):
		return e.BadRequestError("The run is not finished yet: it can be sent again once it is done.", nil)
	case errors.Is(err, dispatch.ErrRetryMayNot):
		return e.BadRequestError("The mailing cannot send now (it is stopped, waits for or was refused approval, or its owner is blocked).", nil)
	case err != nil:
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, retry)
}

// ownRun is the run of the path's id when the caller owns it; else the
// error to answer, 404.
func ownRun(e *core.RequestEvent) (*core.Record, error) {
	run, err := e.App.FindRecordById("runs", e.Request.PathValue("id"), withContext(e.Request.Context()))
	if err != nil || run.GetString("owner") != e.Auth.Id {
		return nil, e.NotFoundError("", nil)
	}
	return run, nil
}
