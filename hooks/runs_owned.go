package hooks

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// changeOwnRun is the common part of a run's pause, resume and cancel: in
// one transaction it reads the caller's run named in the path, lets change
// set what the action sets (or refuse with a *router.ApiError), and saves
// it. Another user's run is not found; a moderator is told that they stop
// mailings instead (403), as a run is its owner's to hold.
func changeOwnRun(e *core.RequestEvent, change func(tx core.App, run *core.Record) error) error {
	id := e.Request.PathValue("id")
	var saved *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		run, err := tx.FindFirstRecordByFilter("runs", "id = {:id} && owner = {:owner}",
			dbx.Params{"id": id, "owner": e.Auth.Id})
		if err != nil {
			if isModerator(e.Auth) {
				if _, err := tx.FindRecordById("runs", id); err == nil {
					return e.ForbiddenError("Moderators stop the mailing instead: only a run's owner pauses, resumes or cancels it.", nil)
				}
			}
			return e.NotFoundError("No such run of yours.", nil)
		}
		if err := change(tx, run); err != nil {
			return err
		}
		saved = run
		return tx.Save(run)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"id": saved.Id, "status": saved.GetString("status"),
		"note": saved.GetString("note"), "sent": saved.GetInt("sent"), "failed": saved.GetInt("failed"), "total": saved.GetInt("total")})
}
