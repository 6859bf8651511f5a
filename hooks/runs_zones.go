package hooks

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/lifecycle"
)

// RunZone is what one time zone of a run sent at each recipient's own
// time has had and has still to come ("" is the owner's zone: clients
// with none).
type RunZone struct {
	Zone    string `db:"zone" json:"zone"`
	Sent    int    `db:"sent" json:"sent"`
	Failed  int    `db:"failed" json:"failed"`
	Pending int    `db:"pending" json:"pending"`
	Next    string `db:"next" json:"next"` // the moment the first pending one goes, "" when none
}

// runZones is, for the caller's own run, what went out and what is still
// to come by the clients' zones, soonest to come first: one GROUP BY over
// the run's deliveries (their unique (run, client) index), asked when the
// owner opens it on the run's row. It changes nothing.
func runZones(e *core.RequestEvent) error {
	run, err := ownRun(e)
	if err != nil {
		return err
	}
	zones := []RunZone{}
	err = e.App.DB().NewQuery(`
		SELECT COALESCE(c.[[timezone]], '') AS zone,
		       SUM(d.[[status]] = '` + lifecycle.DeliverySent + `') AS sent,
		       SUM(d.[[status]] = '` + lifecycle.DeliveryFailed + `') AS failed,
		       SUM(d.[[status]] = '` + lifecycle.DeliveryPending + `') AS pending,
		       COALESCE(MIN(CASE WHEN d.[[status]] = '` + lifecycle.DeliveryPending + `' THEN d.[[run_at]] END), '') AS next
		FROM {{deliveries}} d LEFT JOIN {{clients}} c ON c.[[id]] = d.[[client]]
		WHERE d.[[run]] = {:run}
		GROUP BY zone ORDER BY next = '', next, zone`).
		Bind(dbx.Params{"run": run.Id}).WithContext(e.Request.Context()).All(&zones)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"zones": zones})
}
