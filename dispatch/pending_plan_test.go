package dispatch_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
	"postrider/internal/sqlplan"
)

// What a pass counts of the pending deliveries (when a run ends, and after
// every pass) is read in the index of pending deliveries alone, by run: a
// pass ends at once on ten million deliveries, however many were sent.
func TestPendingCountsReadOnlyThePendingDeliveries(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	for name, query := range map[string]string{"a run's": dispatch.PendingOfRun, "the pass's": dispatch.PendingLeft} {
		got, err := sqlplan.Of(app.DB(), query, dbx.Params{"run": "x"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, "INDEX idx_deliveries_pending (run=?)") || strings.Contains(got, "SCAN d") || strings.Contains(got, "SCAN deliveries") {
			t.Errorf("%s count is planned %q, want a search of idx_deliveries_pending by run", name, got)
		}
	}
}
