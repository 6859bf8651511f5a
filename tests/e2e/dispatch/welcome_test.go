package dispatch

// End-to-end test of welcome mailings: clients join a list through the
// real binary's API and import, and `postrider dispatch` sends each of
// them the welcome once, through a kill -9 and two dispatchers at once.

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/e2e"
)

// importInto imports csv into list through the API, its clients joining
// the list for its welcomes.
func importInto(t *testing.T, in *e2e.Instance, token, list, csv string) {
	t.Helper()
	body := new(bytes.Buffer)
	form := multipart.NewWriter(body)
	form.WriteField("list", list)
	form.WriteField("welcome", "true")
	file, _ := form.CreateFormFile("file", "clients.csv")
	io.WriteString(file, csv)
	form.Close()
	req, _ := http.NewRequest("POST", in.URL+"/api/postrider/clients/import", body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("import: %d %s", res.StatusCode, out)
	}
}

// Clients join a welcome window's list (120 by an import that says so,
// one by the REST API) and one joins and leaves before the hour's delay.
// An hour later (the data dir's times moved back), `postrider dispatch` is
// killed with SIGKILL midway, then two run at once: each joiner gets the
// welcome exactly once (at most the one message in flight at the kill
// twice), the one who left gets nothing, and the log says why.
func TestAWelcomeGoesToEachJoinerOnceThroughAKillAndTwoDispatchers(t *testing.T) {
	const (
		imported = 120
		killAt   = 30
	)
	in, env, srv := e2e.ServeWithSMTP(t) // only the commands send
	env["POSTRIDER_DISPATCH_WORKERS"] = "1"
	token := e2e.ConfirmedUser(t, in, "welcome@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Newsletter"})["id"]
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Welcome", "body": "<p>Glad you joined.</p>", "lists": []any{list}})
	now := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": now.Format("2006-01-02 15:04:05.000Z"), "ends_at": now.AddDate(0, 0, 1).Format("2006-01-02 15:04:05.000Z"),
		"period": "on_join", "list": list, "delay_minutes": 60})

	var csv strings.Builder
	csv.WriteString("email\n")
	for i := 1; i <= imported; i++ {
		fmt.Fprintf(&csv, "joiner%d@welcome.test\n", i)
	}
	importInto(t, in, token, list.(string), csv.String())
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "by-hand@welcome.test", "lists": []any{list}})
	leaver := in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "leaver@welcome.test", "lists": []any{list}})
	in.Must(200, "PATCH", "/api/collections/clients/records/"+leaver["id"].(string), token, map[string]any{"lists": []any{}})

	// nothing is due before the delay
	got := e2e.DispatchPasses(t, env, in.DataDir, 1)
	e2e.MustContain(t, "a pass before the delay", got[0], "sent 0, failed 0")
	// an hour and a minute go by
	{
		app := e2e.OpenData(t, in.DataDir)
		for _, q := range []string{
			`UPDATE deliveries SET next_try_at = strftime('%Y-%m-%d %H:%M:%fZ', next_try_at, '-61 minutes') WHERE next_try_at != ''`,
			`UPDATE runs SET next_try_at = strftime('%Y-%m-%d %H:%M:%fZ', next_try_at, '-61 minutes') WHERE next_try_at != ''`,
		} {
			if _, err := app.DB().NewQuery(q).Execute(); err != nil {
				t.Fatal(err)
			}
		}
		app.ResetBootstrapState()
	}

	mails := len(srv.Messages()) // the owner's confirmation
	reached, accepted := srv.SlowUntil(5*time.Millisecond, killAt)
	pass := e2e.StartDispatch(t, env, in.DataDir)
	pass.Reaches(t, reached, fmt.Sprintf("%d welcomes at the server", killAt))
	killed := pass.Kill()
	t.Logf("killed after %s with %d welcomes accepted", killed.Took.Round(time.Millisecond), accepted())
	if accepted() >= imported {
		t.Fatalf("every welcome went before the kill: the test proves nothing")
	}
	a, b := e2e.StartDispatch(t, env, in.DataDir), e2e.StartDispatch(t, env, in.DataDir)
	ra, rb := a.Wait(t, 2*time.Minute), b.Wait(t, 2*time.Minute)
	t.Logf("two dispatchers at once:\n%s\n%s", ra, rb)

	joiners := []string{"by-hand@welcome.test"}
	for i := 1; i <= imported; i++ {
		joiners = append(joiners, fmt.Sprintf("joiner%d@welcome.test", i))
	}
	// one connection: at most its message in flight at the kill twice;
	// the leaver would be a stranger
	e2e.CheckEachOnceAfterKill(t, srv.Messages()[mails:], joiners, 1)

	app := e2e.OpenData(t, in.DataDir)
	runs, err := app.FindAllRecords("runs")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v, want the day's one welcome run", runs, err)
	}
	r := runs[0]
	if r.GetString("kind") != "welcome" || r.GetString("status") != "done" || r.GetInt("sent") != imported+1 || r.GetInt("failed") != 1 {
		t.Errorf("the welcome run: %s %s, %d sent, %d failed; want welcome, done, %d, 1",
			r.GetString("kind"), r.GetString("status"), r.GetInt("sent"), r.GetInt("failed"), imported+1)
	}
	left, err := app.FindFirstRecordByFilter("deliveries", "email = 'leaver@welcome.test'")
	if err != nil || left.GetString("status") != "failed" || left.GetString("response") != dispatch.SkippedLeft {
		t.Errorf("the leaver's delivery: %v %v, want failed: %s", left, err, dispatch.SkippedLeft)
	}
}
