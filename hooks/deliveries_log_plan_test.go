package hooks_test

import (
	"strings"
	"testing"

	"postrider/hooks"
)

// A mailing's log page reads the mailing's index in the page's order from
// its end: 20 rows however many the mailing has. Sorting all of them
// instead took 364 ms for a mailing of 200,000 deliveries.
func TestAMailingsLogPageSortsNothing(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	for _, status := range []string{"", "failed"} {
		plan, err := hooks.LogPagePlan(app, aliceID, aliceMailing, status)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "idx_deliveries_mailing_outcome (mailing=?)") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("status %q: a mailing's log page is planned %q, want a read of idx_deliveries_mailing_outcome with no sort", status, plan)
		}
	}
}
