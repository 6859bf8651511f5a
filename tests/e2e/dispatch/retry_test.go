package dispatch

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// A run whose messages to a quarter of its clients were refused with 421
// until their time was up is sent again through the API: `postrider
// dispatch`, killed with SIGKILL in the middle of the retry run and run
// again, gets each of them exactly one message (at most the one in flight
// at the kill twice), and nobody else a second one.
func TestARetryRunKilledMidPassSendsEachFailedOneOnce(t *testing.T) {
	const (
		clients = 200
		killAt  = 20 // messages of the retry run at the server
	)
	dataDir, _ := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	refused := map[string]int{}
	for i := 4; i <= clients; i += 4 {
		refused[fmt.Sprintf("client%d@example.test", i)] = 421
	}
	srv.SetFaults(smtptest.Faults{Refuse: refused})
	env := e2e.SMTPEnv(srv.Port, 1)
	env["POSTRIDER_RETRY_FOR"] = "1m"

	got := e2e.DispatchPasses(t, env, dataDir, 1)
	e2e.MustContain(t, "the first pass", got[0], fmt.Sprintf("sent %d, failed 0, pending %d", clients-len(refused), len(refused)))
	// a minute and more goes by: the run began two minutes ago
	{
		app := e2e.OpenData(t, dataDir)
		runs, err := app.FindAllRecords("runs")
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs: %v %v", runs, err)
		}
		runs[0].Set("started_at", runs[0].GetDateTime("started_at").Add(-2*time.Minute))
		if err := app.Save(runs[0]); err != nil {
			t.Fatal(err)
		}
		app.ResetBootstrapState()
	}
	got = e2e.DispatchPasses(t, env, dataDir, 1)
	e2e.MustContain(t, "the pass after their time was up", got[0], fmt.Sprintf("sent 0, failed %d, pending 0", len(refused)))

	// the owner asks, through the API of a serve that sends nothing itself
	serveEnv := maps.Clone(env)
	serveEnv["POSTRIDER_DISPATCH_CRON"] = "off"
	in := e2e.ServeAt(t, serveEnv, dataDir)
	var auth struct{ Token string }
	if code := in.Call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword}, &auth); code != 200 {
		t.Fatalf("log in: %d", code)
	}
	first := e2e.OpenData(t, dataDir)
	runs, err := first.FindAllRecords("runs")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	run := runs[0].Id
	first.ResetBootstrapState()
	counts := in.Must(200, "GET", "/api/postrider/runs/"+run+"/retry", auth.Token, nil)
	if counts["temporary"] != float64(len(refused)) || counts["unconfirmed"] != float64(0) {
		t.Fatalf("counts %v, want %d temporary, 0 unconfirmed", counts, len(refused))
	}
	retry := in.Must(200, "POST", "/api/postrider/runs/"+run+"/retry", auth.Token, map[string]any{"unconfirmed": false})
	if retry["kind"] != "retry" || retry["retry_of"] != run || retry["total"] != float64(len(refused)) {
		t.Fatalf("the retry run: %v", retry)
	}
	in.Must(409, "POST", "/api/postrider/runs/"+run+"/retry", auth.Token, map[string]any{})

	// the server takes them now, slowly; the pass is killed midway
	srv.SetFaults(smtptest.Faults{})
	reached, _ := srv.SlowUntil(5*time.Millisecond, killAt)
	before := len(srv.Messages())
	pass := e2e.StartDispatch(t, env, dataDir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages of the retry at the server", killAt))
	killed := pass.Kill()
	t.Logf("killed after %s with %d messages of the retry accepted", killed.Took.Round(time.Millisecond), len(srv.Messages())-before)
	if len(srv.Messages())-before >= len(refused) {
		t.Fatalf("the retry was all sent before the kill: the test proves nothing")
	}
	got = e2e.DispatchPasses(t, env, dataDir, 1)
	e2e.MustContain(t, "the pass after the kill", got[0], "failed 0, pending 0")

	// one connection: at most its message in flight at the kill twice
	repeated := e2e.CheckEachOnceAfterKill(t, srv.Messages(), e2e.SeededClients(clients), 1)
	for addr, n := range repeated {
		if _, ok := refused[addr]; !ok {
			t.Errorf("%s got the message %d times though it had it", addr, n)
		}
	}

	app := e2e.OpenData(t, dataDir)
	r, err := app.FindRecordById("runs", retry["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if r.GetString("status") != "done" || r.GetInt("sent") != len(refused) || r.GetInt("failed") != 0 {
		t.Errorf("the retry run: %s, %d sent, %d failed; want done, %d, 0", r.GetString("status"), r.GetInt("sent"), r.GetInt("failed"), len(refused))
	}
}
