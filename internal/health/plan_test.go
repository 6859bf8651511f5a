package health

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/sqlplan"
)

// planOf is SQLite's plan of one owner's figures.
func planOf(t testing.TB, app *tests.TestApp) string {
	t.Helper()
	plan, err := sqlplan.Of(app.DB(), ofQuery, dbx.Params{"owner": "x", "since": Since(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	return plan
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
