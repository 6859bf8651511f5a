package hooks

import (
	"context"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
)

// Skipped counts a run's deliveries that were not sent, by why
// (dispatch.SkipReason): "bouncing" (the address bounced three times in a
// row), "unsubscribed" (after the run began), "deleted" (after the run
// began), "left" (a welcome's list, before it was due), "outside_window"
// (a recipient-time window), "other". They are among the run's failed.
type Skipped map[string]int

// mailingSkipped is, for the mailing's page, how many of each run's
// recipients were skipped and why, for every run at once, of the caller's
// own mailing only (a custom route passes no API rule, so the owner
// condition is written here).
func mailingSkipped(e *core.RequestEvent) error {
	m, err := e.App.FindRecordById("mailings", e.Request.PathValue("id"), withContext(e.Request.Context()))
	if err != nil || m.GetString("owner") != e.Auth.Id {
		return e.NotFoundError("", nil)
	}
	out, err := skippedByRun(e.Request.Context(), e.App, "r.[[mailing]] = {:scope}", m.Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}

// skippedByRun counts the skipped deliveries of the runs that scope (a
// condition on runs r, with {:scope} bound to value) selects, by run and
// reason, from the partial index on skipped deliveries: what it reads is
// as many as were skipped, whatever the runs' size. Runs with none are absent.
func skippedByRun(ctx context.Context, app core.App, scope, value string) (map[string]Skipped, error) {
	var rows []struct {
		Run      string `db:"run"`
		Response string `db:"response"`
		N        int    `db:"n"`
	}
	err := app.DB().NewQuery(`
		SELECT d.[[run]], d.[[response]], COUNT(*) AS n
		FROM {{runs}} r JOIN {{deliveries}} d INDEXED BY idx_deliveries_skipped
		     ON d.[[run]] = r.[[id]] AND d.[[status]] = '` + lifecycle.DeliveryFailed + `' AND d.[[attempts]] = 0
		WHERE ` + scope + ` GROUP BY d.[[run]], d.[[response]]`).
		Bind(dbx.Params{"scope": value}).WithContext(ctx).All(&rows)
	if err != nil {
		return nil, err
	}
	out := map[string]Skipped{}
	for _, r := range rows {
		if out[r.Run] == nil {
			out[r.Run] = Skipped{}
		}
		out[r.Run][dispatch.SkipReason(r.Response)] += r.N
	}
	return out, nil
}
