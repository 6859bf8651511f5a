package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
)

// alice's other mailings in these tests: one running (it stops with her
// first), one completed and one she stopped herself (neither changes).
const (
	aliceRunning   = "alicerunning001"
	aliceCompleted = "alicecomplete01"
	aliceOwnStop   = "aliceownstop001"
)

// newHealthApp is the inbound app with the default limits (0.3 %, 5 %)
// and alice's three other mailings.
func newHealthApp(t testing.TB) *tests.TestApp {
	app := newInboundAppWith(t, config.Health{MaxComplaintRate: config.DefaultMaxComplaintRate, MaxBounceRate: config.DefaultMaxBounceRate})
	mailings, err := app.FindCollectionByNameOrId("mailings")
	if err != nil {
		t.Fatal(err)
	}
	for id, fields := range map[string]map[string]any{
		aliceRunning:   {"status": "running"},
		aliceCompleted: {"status": "completed"},
		aliceOwnStop:   {"status": "running", "stopped": true, "stop_reason": "Holiday"},
	} {
		m := core.NewRecord(mailings)
		m.Id = id
		m.Load(map[string]any{"owner": aliceID, "subject": id, "body": "<p>Hi</p>", "lists": []string{aliceList}})
		m.Load(fields)
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// seedHealth gives alice's last 7 days: sent messages (her run's counter),
// and complaints, hard bounces and refusals held against her, then quiet
// messages heard nothing of, as deliveries healthdeliv0001 and on (besides
// aliceDelivery).
func seedHealth(t testing.TB, app core.App, sent, complaints, hard, refused, quiet int) {
	t.Helper()
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	if _, err := app.DB().NewQuery(`UPDATE runs SET sent = {:sent}, started_at = {:now} WHERE id = {:run}`).
		Bind(dbx.Params{"sent": sent, "now": now, "run": aliceRun}).Execute(); err != nil {
		t.Fatal(err)
	}
	n := 0
	insert := func(count int, status, bounce, bouncedAt, response string) {
		for range count {
			n++
			_, err := app.DB().NewQuery(`
				INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, bounce, bounced_at, created, updated)
				VALUES ({:id}, {:owner}, {:mailing}, {:run}, {:schedule}, {:client}, {:email}, {:now}, {:status}, 1, {:response}, {:bounce}, {:at}, {:now}, {:now})`).
				Bind(dbx.Params{"id": fmt.Sprintf("healthdeliv%04d", n), "owner": aliceID, "mailing": aliceMailing, "run": aliceRun,
					"schedule": aliceSchedule, "client": fmt.Sprintf("healthclie%05d", n), "email": fmt.Sprintf("c%d@example.com", n), "now": now,
					"status": status, "response": response, "bounce": bounce, "at": bouncedAt}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	insert(complaints, "sent", "complaint", now, "250 ok")
	insert(hard, "sent", "hard", now, "250 ok")
	insert(refused, "failed", "", "", "554 5.7.1 Message rejected as spam (in reply to end of DATA: not held against the address)")
	insert(quiet, "sent", "", "", "250 ok")
}

// autoStops counts the auto_stop rows of the moderation log.
func autoStops(t testing.TB, app core.App) int {
	t.Helper()
	n, err := app.CountRecords("moderation_log", dbx.HashExp{"action": "auto_stop"})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestAutoStopThresholds(t *testing.T) {
	complaint := arfReport(verp(aliceDelivery), aliceDelivery+"@postrider.localhost")
	hardBounce := dsn(verp(aliceDelivery), "alice-client@example.com", "5.1.1", "x@postrider.localhost")
	cases := []struct {
		name                            string
		sent, complaints, hard, refused int
		report                          string
		reason                          string // "" = no stop
	}{
		{"complaints just under the limit", 1000, 1, 0, 0, complaint, ""},
		{"complaints at the limit", 1000, 2, 0, 0, complaint, ""},
		{"complaints just over the limit", 1330, 3, 0, 0, complaint,
			"complaint rate 0.301 % over 7 days (4 of 1,330 messages) passed the limit of 0.3 %"},
		{"complaints far over, under 1,000 sent", 999, 20, 0, 0, complaint, ""},
		{"bounces and refusals at the limit", 1000, 0, 39, 10, hardBounce, ""},
		{"bounces and refusals just over the limit", 1000, 0, 40, 10, hardBounce,
			"bounce rate 5.1 % over 7 days (51 hard bounces and refusals of 1,000 messages) passed the limit of 5 %"},
		{"bounces far over, under 1,000 sent", 900, 0, 300, 0, hardBounce, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := newHealthApp(t)
			defer app.Cleanup()
			a := newAPI(t, app)
			seedHealth(t, app, c.sent, c.complaints, c.hard, c.refused, 0)
			out := post(t, a, c.report, 200)
			for _, id := range []string{aliceMailing, aliceRunning} {
				m := record(t, app, "mailings", id)
				if c.reason == "" {
					if m.GetBool("stopped") || m.GetBool("auto_stopped") {
						t.Errorf("%s stopped: %q (%s)", id, m.GetString("stop_reason"), out)
					}
					continue
				}
				if !m.GetBool("stopped") || !m.GetBool("auto_stopped") || m.GetString("stopped_by") != "" || m.GetString("stop_reason") != c.reason {
					t.Errorf("%s: stopped %v, auto %v, by %q, reason %q; want the reason %q", id, m.GetBool("stopped"),
						m.GetBool("auto_stopped"), m.GetString("stopped_by"), m.GetString("stop_reason"), c.reason)
				}
			}
			want := 0
			if c.reason != "" {
				want = 2
			}
			if !strings.Contains(out, fmt.Sprintf(`"stopped":%d`, want)) {
				t.Errorf("the report's answer: %s, want %d stopped", out, want)
			}
			if got := autoStops(t, app); got != want {
				t.Errorf("%d auto_stop rows, want %d", got, want)
			}
			// the moderators' users page shows the same figures
			wantFigures := fmt.Sprintf(`"sent_7d":%d,`, c.sent)
			if c.report == hardBounce {
				wantFigures = fmt.Sprintf(`"hard_7d":%d,"refused_7d":%d,`, c.hard+1, c.refused)
			}
			a.expect("the moderators' users", 200, http.MethodGet, "/api/postrider/moderation/users?q=alice", tokens["mod"], "",
				wantFigures, fmt.Sprintf(`"auto_stopped":%d`, want))
		})
	}
}

// An automatic stop is made once, sticks for the owner, and is lifted by
// a moderator, whose resume holds against the figures that stopped it.
func TestAutoStopOnceOnlyAModeratorResumes(t *testing.T) {
	app := newHealthApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	seedHealth(t, app, 1000, 9, 0, 0, 2)
	if out := post(t, a, arfReport(verp(aliceDelivery), aliceDelivery+"@postrider.localhost"), 200); !strings.Contains(out, `"stopped":2`) {
		t.Fatalf("the complaint that passes the limit: %s", out)
	}
	for id, want := range map[string]string{aliceCompleted: "", aliceOwnStop: "Holiday"} {
		if m := record(t, app, "mailings", id); m.GetBool("auto_stopped") || m.GetString("stop_reason") != want {
			t.Errorf("%s changed: auto %v, reason %q", id, m.GetBool("auto_stopped"), m.GetString("stop_reason"))
		}
	}
	// the same report again, then another complaint: nothing more
	if out := post(t, a, arfReport(verp(aliceDelivery), aliceDelivery+"@postrider.localhost"), 200); !strings.Contains(out, `"stopped":0`) {
		t.Errorf("the same report again: %s", out)
	}
	if out := post(t, a, arfReport(verp("healthdeliv0010"), "healthdeliv0010@postrider.localhost"), 200); !strings.Contains(out, `"stopped":0`) {
		t.Errorf("another complaint: %s", out)
	}
	if n := autoStops(t, app); n != 2 {
		t.Errorf("%d auto_stop rows, want 2 (one per mailing, once)", n)
	}

	reason := "complaint rate 1 % over 7 days (10 of 1,000 messages) passed the limit of 0.3 %"
	url := "/api/collections/mailings/records/" + aliceRunning
	// the owner reads the reason, and cannot lift the stop
	a.expect("the owner's view", 200, http.MethodGet, url, tokens["alice"], "", `"auto_stopped":true`, `"stop_reason":"`+reason+`"`, `"stopped_by":""`)
	a.expect("the owner's list", 200, http.MethodGet, "/api/postrider/mailings/summary", tokens["alice"], "", `"auto_stopped":true`, `"stop_reason":"`+reason+`"`)
	a.expect("the owner's resume", 403, http.MethodPatch, url, tokens["alice"], `{"stopped":false}`,
		`"code":"mailing_auto_stopped"`, "stopped automatically, so only a moderator can resume it", reason)
	a.expect("the owner's new reason", 403, http.MethodPatch, url, tokens["alice"], `{"stop_reason":"fine now"}`, `"stop_reason":{"code":"mailing_auto_stopped"`)
	a.expect("the owner clearing the mark", 400, http.MethodPatch, url, tokens["alice"], `{"auto_stopped":false}`, `"auto_stopped":{"code":"validation_system_field"`)
	a.expect("another user's resume", 404, http.MethodPatch, url, tokens["bob"], `{"stopped":false}`)
	a.expect("a mark on a new mailing", 400, http.MethodPost, "/api/collections/mailings/records", tokens["alice"],
		`{"subject":"x","body":"<p>x</p>","lists":["`+aliceList+`"],"auto_stopped":true}`, `"auto_stopped":{"code":"validation_system_field"`)
	if m := record(t, app, "mailings", aliceRunning); !m.GetBool("stopped") || !m.GetBool("auto_stopped") {
		t.Fatal("the owner lifted the stop")
	}

	// moderators see them first, and the sender marked
	out := a.expect("the moderators' mailings", 200, http.MethodGet, "/api/postrider/moderation/mailings?perPage=50", tokens["mod"], "")
	first := strings.Index(out, `"auto_stopped":false`)
	if strings.Count(out, `"auto_stopped":true`) != 2 || first < strings.LastIndex(out, `"auto_stopped":true`) {
		t.Errorf("the auto-stopped mailings are not first: %s", out)
	}
	out = a.expect("the auto-stopped ones", 200, http.MethodGet, "/api/postrider/moderation/mailings?auto_stopped=true", tokens["mod"], "", `"totalItems":2`, reason)
	a.expect("a bad filter", 400, http.MethodGet, "/api/postrider/moderation/mailings?auto_stopped=maybe", tokens["mod"], "", `"auto_stopped":{"code":"validation_invalid_value"`)
	a.expect("the moderators' users", 200, http.MethodGet, "/api/postrider/moderation/users?q=alice", tokens["mod"], "",
		`"auto_stopped":2`, `"sent_7d":1000`, `"complaints_7d":11`, `"complaint_rate":0.011`)

	// a moderator resumes it with a reason, logged
	a.expect("a moderator's resume without a reason", 400, http.MethodPatch, url, tokens["mod"], `{"stopped":false}`, `"stop_reason":{"code":"validation_reason_required"`)
	a.expect("a moderator's resume", 200, http.MethodPatch, url, tokens["mod"], `{"stopped":false,"stop_reason":"Spoke with alice; a bought list, removed"}`,
		`"stopped":false`, `"auto_stopped":false`, `"stop_reason":""`)
	resume, err := app.FindFirstRecordByFilter("moderation_log", "action = 'resume' && mailing = {:m}", dbx.Params{"m": aliceRunning})
	if err != nil || resume.GetString("moderator") != modID || resume.GetString("reason") != "Spoke with alice; a bought list, removed" {
		t.Fatalf("the resume's log row: %v %v", resume, err)
	}
	// a superuser resumes the other one
	a.expect("a superuser's resume", 200, http.MethodPatch, "/api/collections/mailings/records/"+aliceMailing, tokens["superuser"], `{"stopped":false}`, `"auto_stopped":false`)

	// the next complaint leaves the resumed mailings alone
	if out := post(t, a, arfReport(verp("healthdeliv0011"), "healthdeliv0011@postrider.localhost"), 200); !strings.Contains(out, `"stopped":0`) {
		t.Errorf("a complaint after the resume: %s", out)
	}
	if record(t, app, "mailings", aliceRunning).GetBool("stopped") {
		t.Error("a report stopped again what a moderator resumed")
	}
}
