package dispatch

import (
	"fmt"
	"strings"
	"testing"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// The fault matrix's case: 1 connection in 100 cut mid-message over 20,000
// messages. The 200 cut on the first pass go on the second, where 2 of
// them are cut again (the server cuts every 100th message whatever it
// is); those go on the third. Nobody is lost, nobody gets two, and the log
// says what the twice-cut ones went through.
func TestOnePercentCutOver20000MessagesLosesNone(t *testing.T) {
	const clients = 20000
	srv := smtptest.Start(t)
	srv.SetFaults(smtptest.Faults{DropEvery: 100})
	dir, due := e2e.Seeded(t, clients)
	got := e2e.DispatchPasses(t, e2e.SMTPEnv(srv.Port, 0), dir, 3)
	for i, want := range []string{"sent 19800, failed 0, pending 200", "sent 198, failed 0, pending 2", "sent 2, failed 0, pending 0"} {
		if !strings.Contains(got[i], want) {
			t.Errorf("pass %d said %q; want %q", i+1, got[i], want)
		}
	}
	e2e.CheckEachOnce(t, srv.Messages(), clients)
	app := e2e.OpenData(t, dir)
	if c := e2e.CountDeliveries(t, app); c.Sent != clients {
		t.Errorf("deliveries: %+v; want all %d sent", c, clients)
	}
	var twice []struct {
		Attempts int    `db:"attempts"`
		Cuts     int    `db:"cuts"`
		Response string `db:"response"`
	}
	if err := app.DB().NewQuery("SELECT attempts, cuts, response FROM deliveries WHERE cuts > 1").All(&twice); err != nil {
		t.Fatal(err)
	}
	if len(twice) != 2 {
		t.Fatalf("%d deliveries cut twice, want 2", len(twice))
	}
	for _, d := range twice {
		if d.Attempts != 3 || d.Cuts != 2 || !strings.HasPrefix(d.Response, "250 ") ||
			!strings.Contains(d.Response, fmt.Sprintf("after %d connections were cut", 2)) {
			t.Errorf("a twice-cut delivery: %d attempts, %d cuts, %q", d.Attempts, d.Cuts, d.Response)
		}
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}
