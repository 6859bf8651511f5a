package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// step is a call of the access matrix with a database prepared before it.
type step struct {
	call
	before func(t testing.TB, app *tests.TestApp)
}

func (s step) scenario() tests.ApiScenario {
	sc := s.call.scenario()
	if s.before != nil {
		before := s.before
		sc.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { before(t, app) }
	}
	return sc
}

func given(c call, before ...func(t testing.TB, app *tests.TestApp)) step {
	return step{call: c, before: func(t testing.TB, app *tests.TestApp) {
		for _, b := range before {
			b(t, app)
		}
	}}
}

func runSteps(t *testing.T, steps []step) {
	for _, s := range steps {
		sc := s.scenario()
		sc.Test(t)
	}
}

// set saves fields on a record before the request, as the server would.
func set(coll, id string, fields map[string]any) func(t testing.TB, app *tests.TestApp) {
	return func(t testing.TB, app *tests.TestApp) {
		r, err := app.FindRecordById(coll, id)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			r.Set(k, v)
		}
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

// stoppedByMod: alice's mailing as a moderator's stop leaves it.
var stoppedByMod = set("mailings", aliceMailing, map[string]any{"stopped": true, "stopped_by": modID, "stop_reason": "Bought addresses"})

// logIs: the moderation log holds exactly one row, with these values.
func logIs(want map[string]any) check {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		countIs("moderation_log", 1)(t, app, res)
		rows, err := app.FindAllRecords("moderation_log")
		if err != nil || len(rows) != 1 {
			return
		}
		for field, v := range want {
			if got := rows[0].GetString(field); got != v {
				t.Errorf("moderation_log: %s = %q, want %q", field, got, v)
			}
		}
		if rows[0].GetDateTime("created").IsZero() {
			t.Error("moderation_log: no created time")
		}
	}
}

var nothingLogged = countIs("moderation_log", 0)

func TestStopAndResume(t *testing.T) {
	t.Parallel()
	alice := "on alice's mailing"
	stopped := func(by, reason string) check {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			fieldIs("mailings", aliceMailing, "stopped", true)(t, app, res)
			fieldIs("mailings", aliceMailing, "stopped_by", by)(t, app, res)
			fieldIs("mailings", aliceMailing, "stop_reason", reason)(t, app, res)
		}
	}
	running := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		fieldIs("mailings", aliceMailing, "stopped", false)(t, app, res)
		fieldIs("mailings", aliceMailing, "stopped_by", "")(t, app, res)
		fieldIs("mailings", aliceMailing, "stop_reason", "")(t, app, res)
	}
	runSteps(t, []step{
		// a moderator's stop: a reason, who, a log row
		given(updateCall("mailings", aliceMailing, "mod", "stopping without a reason", map[string]any{"stopped": true}, 400).
			expect(`"data":{"stop_reason":{"code":"validation_reason_required"`).then(running, nothingLogged)),
		given(updateCall("mailings", aliceMailing, "mod", "stopping with a blank reason", map[string]any{"stopped": true, "stop_reason": "  "}, 400).
			expect(`"stop_reason":{"code":"validation_reason_required"`).then(running, nothingLogged)),
		given(updateCall("mailings", aliceMailing, "mod", "stopping with a reason", map[string]any{"stopped": true, "stop_reason": " Bought addresses "}, 200).
			expect(`"stopped":true`, `"stopped_by":"`+modID+`"`, `"stop_reason":"Bought addresses"`).
			then(stopped(modID, "Bought addresses"),
				logIs(map[string]any{"moderator": modID, "superuser": "", "action": "stop", "user": aliceID, "mailing": aliceMailing, "reason": "Bought addresses"}))),
		given(updateCall("mailings", aliceMailing, "mod", "taking over the owner's stop with a reason", map[string]any{"stop_reason": "Spam"}, 200).
			then(stopped(modID, "Spam"), logIs(map[string]any{"action": "stop", "moderator": modID, "reason": "Spam"})),
			set("mailings", aliceMailing, map[string]any{"stopped": true, "stop_reason": "Holiday"})),
		given(updateCall("mailings", aliceMailing, "mod", "stopping and naming another moderator", map[string]any{"stopped": true, "stop_reason": "Spam", "stopped_by": mod2ID}, 400).
			expect(`"data":{"stopped_by":{"code":"validation_system_field"`).then(running, nothingLogged)),
		given(updateCall("mailings", aliceMailing, "mod", "stopping and changing the subject", map[string]any{"stopped": true, "stop_reason": "Spam", "subject": "x"}, 403).
			then(running, fieldIs("mailings", aliceMailing, "subject", "alice news"), nothingLogged)),

		// the stop sticks: the owner cannot resume it nor change its reason
		given(updateCall("mailings", aliceMailing, "alice", "resuming a moderator's stop", map[string]any{"stopped": false}, 403).
			expect(`"data":{"stopped":{"code":"mailing_stopped_by_moderator"`, `only a moderator can resume it`, `Bought addresses`).
			then(stopped(modID, "Bought addresses"), nothingLogged), stoppedByMod),
		given(updateCall("mailings", aliceMailing, "alice", "rewriting the moderator's reason", map[string]any{"stop_reason": "Nothing"}, 403).
			expect(`"data":{"stop_reason":{"code":"mailing_stopped_by_moderator"`).
			then(stopped(modID, "Bought addresses")), stoppedByMod),
		given(updateCall("mailings", aliceMailing, "alice", "clearing stopped_by", map[string]any{"stopped_by": ""}, 400).
			expect(`"data":{"stopped_by":{"code":"validation_system_field"`).
			then(stopped(modID, "Bought addresses")), stoppedByMod),
		given(updateCall("mailings", aliceMailing, "alice", "editing the subject of her stopped mailing", map[string]any{"subject": "alice news v2"}, 200).
			then(stopped(modID, "Bought addresses"), fieldIs("mailings", aliceMailing, "subject", "alice news v2")), stoppedByMod),
		given(updateCall("mailings", aliceMailing, "mod", "resuming without a reason", map[string]any{"stopped": false}, 400).
			expect(`"data":{"stop_reason":{"code":"validation_reason_required"`, `may send again`).
			then(stopped(modID, "Bought addresses"), nothingLogged), stoppedByMod),
		given(updateCall("mailings", aliceMailing, "mod", "resuming with a reason", map[string]any{"stopped": false, "stop_reason": "Addresses removed"}, 200).
			expect(`"stopped":false`, `"stopped_by":""`, `"stop_reason":""`).
			then(running, logIs(map[string]any{"moderator": modID, "action": "resume", "user": aliceID, "mailing": aliceMailing, "reason": "Addresses removed"})),
			stoppedByMod),
		given(updateCall("mailings", aliceMailing, "superuser", "resuming a moderator's stop", map[string]any{"stopped": false}, 200).
			then(running, logIs(map[string]any{"moderator": "", "superuser": "root@example.com", "action": "resume", "user": aliceID, "mailing": aliceMailing, "reason": ""})),
			stoppedByMod),
		given(updateCall("mailings", bobMailing, "superuser", "stopping bob's mailing", map[string]any{"stopped": true, "stop_reason": "Checking"}, 200).
			then(fieldIs("mailings", bobMailing, "stop_reason", "Checking"), fieldIs("mailings", bobMailing, "stopped_by", ""),
				logIs(map[string]any{"superuser": "root@example.com", "action": "stop", "user": bobID, "mailing": bobMailing, "reason": "Checking"}))),
		given(updateCall("mailings", aliceMailing, "superuser", "changing the subject", map[string]any{"subject": "edited"}, 200).then(nothingLogged)),

		// the owner's own stop is not moderation: free, a reason optional, not logged
		given(updateCall("mailings", aliceMailing, "alice", "stopping her mailing with a reason", map[string]any{"stopped": true, "stop_reason": "Holiday"}, 200).
			then(stopped("", "Holiday"), nothingLogged)),
		given(updateCall("mailings", aliceMailing, "alice", "resuming her own stop", map[string]any{"stopped": false}, 200).
			then(running, nothingLogged), set("mailings", aliceMailing, map[string]any{"stopped": true, "stop_reason": "Holiday"})),
		given(updateCall("mailings", aliceMailing, "alice", "naming a moderator as who stopped it", map[string]any{"stopped": true, "stopped_by": modID}, 400).
			expect(`"data":{"stopped_by":`).then(running)),
		given(updateCall("mailings", aliceMailing, "bob", alice, map[string]any{"stopped": true, "stop_reason": "x"}, 404).then(running, nothingLogged)),
		given(updateCall("mailings", aliceMailing, "bellaOld", alice, map[string]any{"stopped": true, "stop_reason": "x"}, 404).blockedOut().then(running, nothingLogged)),
	})
}

func TestBlockAndUnblock(t *testing.T) {
	t.Parallel()
	blocked := func(id, reason string) check {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			fieldIs("users", id, "blocked", true)(t, app, res)
			fieldIs("users", id, "blocked_reason", reason)(t, app, res)
		}
	}
	free := func(id string) check {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			fieldIs("users", id, "blocked", false)(t, app, res)
			fieldIs("users", id, "blocked_reason", "")(t, app, res)
		}
	}
	bellaBlocked := set("users", bellaID, map[string]any{"blocked_reason": "Sent spam"})
	runSteps(t, []step{
		given(updateCall("users", aliceID, "mod", "blocking alice without a reason", map[string]any{"blocked": true}, 400).
			expect(`"data":{"blocked_reason":{"code":"validation_reason_required"`).then(free(aliceID), nothingLogged)),
		given(updateCall("users", aliceID, "mod", "blocking alice with a reason", map[string]any{"blocked": true, "blocked_reason": "Sent spam"}, 200).
			expect(`"blocked":true`, `"blocked_reason":"Sent spam"`).
			then(blocked(aliceID, "Sent spam"), tokenVoided("alice"),
				logIs(map[string]any{"moderator": modID, "action": "block", "user": aliceID, "mailing": "", "reason": "Sent spam"}))),
		given(updateCall("users", bellaID, "mod", "unblocking bella without a reason", map[string]any{"blocked": false}, 400).
			expect(`"data":{"blocked_reason":{"code":"validation_reason_required"`).then(blocked(bellaID, "Sent spam"), nothingLogged), bellaBlocked),
		given(updateCall("users", bellaID, "mod", "unblocking bella with a reason", map[string]any{"blocked": false, "blocked_reason": "Cleaned her lists"}, 200).
			expect(`"blocked":false`, `"blocked_reason":""`).
			then(free(bellaID), logIs(map[string]any{"moderator": modID, "action": "unblock", "user": bellaID, "reason": "Cleaned her lists"})), bellaBlocked),
		given(updateCall("users", aliceID, "mod", "blocking alice and renaming her", map[string]any{"blocked": true, "blocked_reason": "x", "name": "x"}, 403).
			then(free(aliceID), nothingLogged)),
		given(updateCall("users", mod2ID, "mod", "blocking another moderator", map[string]any{"blocked": true, "blocked_reason": "x"}, 403).
			then(free(mod2ID), nothingLogged)),
		given(updateCall("users", modID, "mod", "blocking himself", map[string]any{"blocked": true, "blocked_reason": "x"}, 403).
			then(free(modID), nothingLogged)),
		given(updateCall("users", aliceID, "alice", "writing her own blocked_reason", map[string]any{"blocked_reason": "x"}, 403).
			then(free(aliceID), nothingLogged)),
		given(updateCall("users", aliceID, "superuser", "blocking alice", map[string]any{"blocked": true}, 200).
			then(blocked(aliceID, ""), logIs(map[string]any{"superuser": "root@example.com", "moderator": "", "action": "block", "user": aliceID}))),
		given(updateCall("users", aliceID, "superuser", "renaming alice", map[string]any{"name": "Alice"}, 200).then(nothingLogged)),
		given(createCall("users", anonymous, "signing up with a blocked_reason",
			map[string]any{"email": "new@example.com", "password": "a new password 1", "passwordConfirm": "a new password 1", "blocked_reason": "x"}, 200).
			expect(`"blocked_reason":""`).wait()),
	})
}

// The blocked user's login says why, in the message and in the error's
// params for the web app; the code stays account_blocked.
func TestBlockedLoginSaysWhy(t *testing.T) {
	t.Parallel()
	runSteps(t, []step{
		given(call{name: "bella logs in", method: http.MethodPost, url: "/api/collections/users/auth-with-password", who: anonymous,
			body:   map[string]any{"identity": "bella@example.com", "password": fixturePassword},
			status: 403,
			want: []string{`"code":"account_blocked"`, `blocked by a moderator`, `The reason: Sent spam`,
				`"params":{"reason":"Sent spam"}`},
			notWant: []string{`"token"`}},
			set("users", bellaID, map[string]any{"blocked_reason": "Sent spam"})),
		given(call{name: "bella with a wrong password learns nothing", method: http.MethodPost, url: "/api/collections/users/auth-with-password", who: anonymous,
			body: map[string]any{"identity": "bella@example.com", "password": "wrong"}, status: 400, notWant: []string{"Sent spam", "blocked"}},
			set("users", bellaID, map[string]any{"blocked_reason": "Sent spam"})),
	})
}

// The log is the server's: every client's write is refused, the
// superuser's too; plain users do not read it.
func TestModerationLogIsServerOnly(t *testing.T) {
	t.Parallel()
	const entry = "modlogentry0001"
	seedLog := func(t testing.TB, app *tests.TestApp) {
		col, err := app.FindCollectionByNameOrId("moderation_log")
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		r.Id = entry
		r.Load(map[string]any{"moderator": modID, "action": "block", "user": bellaID, "reason": "Sent spam"})
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	kept := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		countIs("moderation_log", 1)(t, app, res)
		fieldIs("moderation_log", entry, "reason", "Sent spam")(t, app, res)
	}
	newEntry := map[string]any{"moderator": modID, "action": "stop", "user": aliceID, "mailing": aliceMailing, "reason": "forged"}
	var steps []step
	for _, who := range callers {
		steps = append(steps,
			given(createCall("moderation_log", who, "is refused", newEntry, 403).then(kept), seedLog),
			given(updateCall("moderation_log", entry, who, "on an entry", map[string]any{"reason": "rewritten"}, 403).then(kept), seedLog),
			given(deleteCall("moderation_log", entry, who, "on an entry", 403).then(kept), seedLog),
		)
		switch who {
		case "mod", "superuser":
			steps = append(steps,
				given(listCall("moderation_log", who, "sees the entry", []string{entry}, nil).expect(`"reason":"Sent spam"`), seedLog),
				given(viewCall("moderation_log", entry, who, "on an entry", 200), seedLog))
		default:
			steps = append(steps,
				given(listCall("moderation_log", who, "sees nothing", nil, []string{entry}).reject("Sent spam").ifBlockedToken(), seedLog),
				given(viewCall("moderation_log", entry, who, "on an entry", 404).ifBlockedToken(), seedLog))
		}
	}
	// the batch API goes through the same request hooks
	steps = append(steps, given(call{name: "moderation_log/batch/superuser create is refused", method: http.MethodPost, url: "/api/batch",
		who: "superuser", body: map[string]any{"requests": []map[string]any{{"method": "POST", "url": "/api/collections/moderation_log/records", "body": newEntry}}},
		status: 400, want: []string{`"status":403`, `written by the server only`}}.then(kept), seedLog, enableBatch))
	runSteps(t, steps)
}

func enableBatch(t testing.TB, app *tests.TestApp) {
	s := app.Settings()
	s.Batch.Enabled = true
	s.Batch.MaxRequests = 10
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
}

// A deleted mailing keeps its log rows (the reference is emptied), and the
// log names who did what.
func TestModerationLogOutlivesTheMailing(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	api.expect("the moderator stops", 200, "PATCH", "/api/collections/mailings/records/"+aliceMailing, tokens["mod"], `{"stopped":true,"stop_reason":"Spam"}`)
	api.expect("the owner deletes the mailing", 204, "DELETE", "/api/collections/mailings/records/"+aliceMailing, tokens["alice"], "")
	rows, err := app.FindAllRecords("moderation_log", dbx.HashExp{"action": "stop"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("the log rows of a deleted mailing: %v, %v", rows, err)
	}
	if rows[0].GetString("mailing") != "" || rows[0].GetString("user") != aliceID || rows[0].GetString("moderator") != modID {
		t.Fatalf("log row after the delete: %v", rows[0].PublicExport())
	}
	api.expect("the moderator reads it with who and whom", 200, "GET", "/api/collections/moderation_log/records?expand=moderator,user", tokens["mod"], "",
		`"reason":"Spam"`, `"email":"mod@example.com"`, `"email":"alice@example.com"`)
}

// A moderator reads a mailing (its body too) but never its recipients: the
// expand of its clients and lists is left out, as the clients' and lists'
// view rules say, and the delivery log stays closed.
func TestModeratorSeesNoRecipients(t *testing.T) {
	t.Parallel()
	recipients := []string{"alice-client@example.com", "alice-client2@example.com", "alice client", "alice VIP"}
	runSteps(t, []step{
		given(call{name: "mod expands alice's mailing", method: http.MethodGet, who: "mod", status: 200,
			url:  recordsURL("mailings") + "/" + aliceMailing + "?expand=clients,lists,owner",
			want: []string{`Hello from alice`, `"email":"alice@example.com"`}, notWant: recipients}),
		given(call{name: "mod lists mailings expanded", method: http.MethodGet, who: "mod", status: 200,
			url: recordsURL("mailings") + "?expand=clients,lists", notWant: recipients}),
		given(call{name: "mod expands runs' mailing clients", method: http.MethodGet, who: "mod", status: 200,
			url: recordsURL("runs") + "?expand=mailing.clients,mailing.lists", notWant: recipients}),
		given(call{name: "alice expands her own mailing", method: http.MethodGet, who: "alice", status: 200,
			url: recordsURL("mailings") + "/" + aliceMailing + "?expand=clients,lists", want: []string{"alice-client2@example.com", "alice VIP"}}),
		given(listCall("deliveries", "mod", "filtered by alice's mailing sees none", nil, []string{aliceDelivery}).
			reject("alice-client@example.com")),
	})
}
