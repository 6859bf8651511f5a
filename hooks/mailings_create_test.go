package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// A new mailing carries no field the server sets: a stop that names who
// made it would show as that moderator's stop with no line in the log.
// Whoever creates it, by REST or in a batch (the web app's form), the
// server decides status and stopped_by; stop_reason stays only with a stop.
func TestANewMailingCarriesNoSystemField(t *testing.T) {
	t.Parallel()
	const newID = "newmailing00016"
	n := fixtureCount["mailings"]
	mailing := func(owner string, extra map[string]any) map[string]any {
		b := map[string]any{"id": newID, "subject": "Spring sale", "body": "<p>Everything must go</p>", "lists": []string{aliceList}}
		if owner != "" {
			b["owner"] = owner
		}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	forged := map[string]any{"stopped": true, "stopped_by": modID, "stop_reason": "Bought addresses"}
	refusedStoppedBy := `"stopped_by":{"code":"validation_system_field"`
	stored := func(want map[string]any) check {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			countIs("mailings", n+1)(t, app, res)
			for field, v := range want {
				fieldIs("mailings", newID, field, v)(t, app, res)
			}
		}
	}
	notSaved := countIs("mailings", n)
	created := func(stopped bool, reason string) check {
		return stored(map[string]any{"status": "created", "stopped": stopped, "stopped_by": "", "stop_reason": reason, "owner": aliceID})
	}

	rest := []call{
		createCall("mailings", "alice", "forging a moderator's stop", mailing("", forged), 400).
			expect(`"data":{`+refusedStoppedBy).then(notSaved, nothingLogged),
		createCall("mailings", "alice", "naming herself as who stopped it", mailing("", map[string]any{"stopped": true, "stopped_by": aliceID}), 400).
			expect(refusedStoppedBy).then(notSaved, nothingLogged),
		// the moderator has no list of his own: his mailings name none
		createCall("mailings", "mod", "forging another moderator's stop on his own mailing", mailing("", map[string]any{"stopped": true, "stopped_by": mod2ID, "stop_reason": "x", "lists": []string{}}), 400).
			expect(refusedStoppedBy).then(notSaved, nothingLogged),
		createCall("mailings", "mod", "naming himself as who stopped it", mailing("", map[string]any{"stopped": true, "stopped_by": modID, "stop_reason": "x", "lists": []string{}}), 400).
			expect(refusedStoppedBy).then(notSaved, nothingLogged),
		createCall("mailings", "alice", "stopped by herself, with a reason", mailing("", map[string]any{"stopped": true, "stop_reason": "Holiday"}), 200).
			expect(`"stopped":true`, `"stopped_by":""`, `"stop_reason":"Holiday"`).then(created(true, "Holiday"), nothingLogged),
		createCall("mailings", "alice", "not stopped, with a reason to be stopped", mailing("", map[string]any{"stop_reason": "Bought addresses"}), 200).
			expect(`"stopped":false`, `"stop_reason":""`).then(created(false, ""), nothingLogged),
		createCall("mailings", "alice", "asking for status running", mailing("", map[string]any{"status": "running"}), 200).
			expect(`"status":"created"`).then(created(false, "")),
		createCall("mailings", "alice", "with an empty stopped_by", mailing("", map[string]any{"stopped_by": ""}), 200).
			then(created(false, "")),
		// superusers set what they like (the README's rule for stopped_by)
		createCall("mailings", "superuser", "for alice, running and stopped by a moderator", mailing(aliceID, map[string]any{"status": "running", "stopped": true, "stopped_by": modID, "stop_reason": "Imported"}), 200).
			then(stored(map[string]any{"status": "running", "stopped_by": modID, "stop_reason": "Imported"})),
	}
	for _, c := range rest {
		s := c.scenario()
		s.Test(t)
	}

	// the same through /api/batch, as the mailing form saves; an upsert of
	// a new id is a create too
	alice := map[string]string{"Authorization": tokens["alice"]}
	mod := map[string]string{"Authorization": tokens["mod"]}
	batch := func(name string, headers map[string]string, method string, body map[string]any, status int, want []string, after ...check) tests.ApiScenario {
		return tests.ApiScenario{
			Name: "mailings/batch " + name, Method: http.MethodPost, URL: "/api/batch", Headers: headers,
			Body: batchBody(t, batchReq(method, "/api/collections/mailings/records", body)), TestAppFactory: newTestApp,
			ExpectedStatus: status, ExpectedContent: want,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				for _, ch := range after {
					ch(t, app, res)
				}
			},
		}
	}
	for _, s := range []tests.ApiScenario{
		batch("alice forging a moderator's stop", alice, http.MethodPost, mailing("", forged), 400,
			[]string{`"requests":{"0":`, refusedStoppedBy}, notSaved, nothingLogged),
		batch("alice forging a moderator's stop by upsert", alice, http.MethodPut, mailing("", forged), 400,
			[]string{`"requests":{"0":`, refusedStoppedBy}, notSaved, nothingLogged),
		batch("mod forging another moderator's stop", mod, http.MethodPost, mailing("", map[string]any{"stopped": true, "stopped_by": mod2ID, "stop_reason": "x", "lists": []string{}}), 400,
			[]string{`"requests":{"0":`, refusedStoppedBy}, notSaved, nothingLogged),
		batch("alice asking for status completed and a reason without a stop", alice, http.MethodPost, mailing("", map[string]any{"status": "completed", "stop_reason": "x"}), 200,
			[]string{`"status":"created"`, `"stop_reason":""`}, created(false, "")),
		batch("alice stopped by herself, with a reason", alice, http.MethodPost, mailing("", map[string]any{"stopped": true, "stop_reason": "Holiday"}), 200,
			[]string{`"stopped_by":""`}, created(true, "Holiday"), nothingLogged),
	} {
		s.Test(t)
	}
}
