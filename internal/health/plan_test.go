package health

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

// planOf is SQLite's plan of one owner's figures.
func planOf(t testing.TB, app *tests.TestApp) string {
	t.Helper()
	var plan []string
	rows, err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + ofQuery).Bind(dbx.Params{"owner": "x", "since": Since(time.Now())}).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// The figures read the owner's rows of the window in their indexes: the
// reports from the index alone, the refusals (whose condition SQLite
// checks again on the row) from theirs; a report costs the rows that
// count, never all the deliveries.
func TestTheFiguresReadTheirIndexesAlone(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	plan := planOf(t, app)
	for _, want := range []string{
		"SEARCH d USING COVERING INDEX idx_deliveries_bounced_owner (owner=? AND bounced_at>?)",
		"SEARCH d USING INDEX idx_deliveries_sender_refused (owner=? AND updated>?)",
		"SEARCH runs USING INDEX idx_runs_owner_started (owner=? AND started_at>?)",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
}
