package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

// TestAccess walks every collection × action × caller of the API and checks
// what the caller would notice: the status, which records show up, and
// whether a write really reached the database (or really did not).
//
// The callers are the fixture's: anonymous, alice (the owner of the records
// under test), bob (another user), mod (a moderator), bellaOld (the token a
// user held before she was blocked; it is refused everywhere, 403 saying the
// account is blocked) and the superuser.
func TestAccess(t *testing.T) {
	t.Parallel()

	var calls []call
	for _, group := range [][]call{
		userCalls(),
		ownedCalls("lists", "list", []string{aliceList}, []string{bobList},
			map[string]any{"name": "Newsletter"}, "name", "alice VIP"),
		ownedCalls("clients", "client", []string{aliceClient, aliceClient2}, []string{bobClient, bobClient2},
			map[string]any{"email": "new-client@example.com", "name": "New client"}, "name", "alice client"),
		ownedExtraCalls(),
		mailingCalls(),
		scheduleCalls(),
		runCalls(),
		deliveryCalls(),
		postCalls(),
	} {
		calls = append(calls, group...)
	}

	seen := map[string]bool{}
	for _, c := range calls {
		if seen[c.name] {
			t.Fatalf("two scenarios are named %q", c.name)
		}
		seen[c.name] = true
	}
	t.Logf("%d scenarios", len(calls))

	for _, c := range calls {
		s := c.scenario()
		s.Test(t)
	}
}

const anonymous = "anonymous"

// callers in the order every matrix walks them
var callers = []string{anonymous, "alice", "bob", "mod", "bellaOld", "superuser"}

// how many records of each collection the fixture holds
var fixtureCount = map[string]int{
	"users": 6, "lists": 2, "clients": 4, "mailings": 3, "moderation_log": 0,
	"schedules": 2, "runs": 2, "deliveries": 2, "posts": 2, "senders": 3,
}

// ---------------------------------------------------------------- users

func userCalls() []call {
	allUsers := []string{aliceID, bobID, modID, mod2ID, bellaID, umaID}
	allEmails := []string{
		`"email":"alice@example.com"`, `"email":"bob@example.com"`, `"email":"mod@example.com"`,
		`"email":"mod2@example.com"`, `"email":"bella@example.com"`, `"email":"uma@example.com"`,
	}
	others := func(ids ...string) []string {
		return slices.DeleteFunc(slices.Clone(allUsers), func(id string) bool { return slices.Contains(ids, id) })
	}
	signUp := func(email string, extra map[string]any) map[string]any {
		body := map[string]any{"email": email, "password": "a new password 1", "passwordConfirm": "a new password 1"}
		for k, v := range extra {
			body[k] = v
		}
		return body
	}
	grab := map[string]any{"role": "moderator", "blocked": true}
	plainUser := map[string]any{"role": "user", "blocked": false, "verified": false}

	return []call{
		listCall("users", anonymous, "sees no one", nil, allUsers),
		listCall("users", "alice", "sees only herself", []string{aliceID}, others(aliceID)).
			expect(`"email":"alice@example.com"`).reject(`bob@example.com`),
		listCall("users", "bob", "sees only himself", []string{bobID}, others(bobID)).
			reject(`alice@example.com`),
		listCall("users", "mod", "sees every user with their email", allUsers, nil).expect(allEmails...),
		listCall("users", "bellaOld", "sees no one", nil, allUsers).blockedOut(),
		listCall("users", "superuser", "sees every user", allUsers, nil),

		viewCall("users", aliceID, anonymous, "on alice", 404),
		viewCall("users", aliceID, "alice", "on herself", 200).expect(`"email":"alice@example.com"`),
		viewCall("users", aliceID, "bob", "on alice", 404),
		viewCall("users", bobID, "alice", "on bob", 404).reject(`bob@example.com`),
		viewCall("users", aliceID, "mod", "on alice", 200).expect(`"email":"alice@example.com"`),
		viewCall("users", bobID, "mod", "on bob", 200).expect(`"email":"bob@example.com"`),
		viewCall("users", bellaID, "bellaOld", "on herself", 404).blockedOut(),
		viewCall("users", aliceID, "superuser", "on alice", 200).expect(`"email":"alice@example.com"`),

		// sign-up: role, blocked and verified are not the caller's to choose
		createCall("users", anonymous, "signs up asking for moderator, blocked and verified",
			signUp("new@example.com", map[string]any{"role": "moderator", "blocked": true, "verified": true}), 200).
			expect(`"role":"user"`, `"blocked":false`, `"verified":false`).
			then(createdWith("users", plainUser)).wait(),
		createCall("users", "alice", "signs up another account asking for moderator",
			signUp("new@example.com", grab), 200).
			expect(`"role":"user"`).then(createdWith("users", plainUser)).wait(),
		createCall("users", "bob", "signs up another account asking for moderator",
			signUp("new@example.com", grab), 200).
			expect(`"role":"user"`).then(createdWith("users", plainUser)).wait(),
		createCall("users", "mod", "creates an account asking for moderator",
			signUp("new@example.com", grab), 200).
			expect(`"role":"user"`).then(createdWith("users", plainUser)).wait(),
		createCall("users", "bellaOld", "signing up asking for moderator",
			signUp("new@example.com", grab), 200).blockedOut().then(countIs("users", fixtureCount["users"])),
		createCall("users", "superuser", "creates a verified moderator",
			signUp("new@example.com", map[string]any{"role": "moderator", "verified": true}), 200).
			expect(`"role":"moderator"`).
			then(createdWith("users", map[string]any{"role": "moderator", "verified": true})),

		updateCall("users", aliceID, anonymous, "renaming alice", map[string]any{"name": "Anon"}, 404).
			then(fieldIs("users", aliceID, "name", aliceID)),
		updateCall("users", aliceID, "alice", "renaming herself", map[string]any{"name": "Alice A."}, 200).
			expect(`"name":"Alice A."`).then(fieldIs("users", aliceID, "name", "Alice A.")),
		updateCall("users", aliceID, "alice", "making herself moderator", map[string]any{"role": "moderator"}, 403).
			then(fieldIs("users", aliceID, "role", "user")),
		updateCall("users", aliceID, "alice", "blocking herself", map[string]any{"blocked": true}, 403).
			then(fieldIs("users", aliceID, "blocked", false)),
		updateCall("users", aliceID, "bob", "renaming alice", map[string]any{"name": "Bob was here"}, 404).
			then(fieldIs("users", aliceID, "name", aliceID)),
		updateCall("users", aliceID, "mod", "blocking alice", map[string]any{"blocked": true, "blocked_reason": "Spam"}, 200).
			expect(`"blocked":true`).
			then(fieldIs("users", aliceID, "blocked", true), tokenVoided("alice")),
		updateCall("users", aliceID, "mod", "renaming alice", map[string]any{"name": "Mod was here"}, 403).
			then(fieldIs("users", aliceID, "name", aliceID)),
		updateCall("users", mod2ID, "mod", "blocking mod2", map[string]any{"blocked": true}, 403).
			then(fieldIs("users", mod2ID, "blocked", false)),
		updateCall("users", modID, "mod", "blocking himself", map[string]any{"blocked": true}, 403).
			then(fieldIs("users", modID, "blocked", false)),
		updateCall("users", bellaID, "bellaOld", "unblocking herself", map[string]any{"blocked": false}, 404).blockedOut().
			then(fieldIs("users", bellaID, "blocked", true)),
		updateCall("users", aliceID, "superuser", "making alice moderator", map[string]any{"role": "moderator"}, 200).
			expect(`"role":"moderator"`).then(fieldIs("users", aliceID, "role", "moderator")),

		deleteCall("users", aliceID, anonymous, "on alice", 404).then(exists("users", aliceID)),
		deleteCall("users", aliceID, "alice", "on herself", 204).
			then(gone("users", aliceID), gone("lists", aliceList), gone("mailings", aliceMailing)),
		deleteCall("users", aliceID, "bob", "on alice", 404).then(exists("users", aliceID)),
		deleteCall("users", aliceID, "mod", "on alice", 404).then(exists("users", aliceID)),
		deleteCall("users", bellaID, "bellaOld", "on herself", 404).blockedOut().then(exists("users", bellaID)),
		deleteCall("users", aliceID, "superuser", "on alice", 204).then(gone("users", aliceID)),

		refreshCall(anonymous, 401),
		refreshCall("alice", 200),
		refreshCall("bellaOld", 401).blockedOut(),
	}
}

// ---------------------------------------------------------- lists, clients

// ownedCalls is the matrix of a collection that only its owner sees and
// changes (lists, clients): the record under test is alice's first one.
func ownedCalls(coll, noun string, aliceIDs, bobIDs []string, newRecord map[string]any, field, original string) []call {
	all := slices.Concat(aliceIDs, bobIDs)
	target := aliceIDs[0]
	n := fixtureCount[coll]
	on := "on alice's " + noun
	body := func(extra map[string]any) map[string]any {
		b := map[string]any{}
		for k, v := range newRecord {
			b[k] = v
		}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}

	cs := []call{
		listCall(coll, anonymous, "sees none", nil, all),
		listCall(coll, "alice", "sees only her own", aliceIDs, bobIDs),
		listCall(coll, "bob", "sees only his own", bobIDs, aliceIDs),
		listCall(coll, "mod", "sees none", nil, all),
		listCall(coll, "bellaOld", "sees none", nil, all).blockedOut(),
		listCall(coll, "superuser", "sees all", all, nil),

		createCall(coll, anonymous, "is refused", body(nil), 400).then(countIs(coll, n)),
		createCall(coll, "alice", "naming bob as owner gets her own", body(map[string]any{"owner": bobID}), 200).
			expect(`"owner":"` + aliceID + `"`).then(createdWith(coll, map[string]any{"owner": aliceID})),
		createCall(coll, "bob", "naming alice as owner gets his own", body(map[string]any{"owner": aliceID}), 200).
			expect(`"owner":"` + bobID + `"`).then(createdWith(coll, map[string]any{"owner": bobID})),
		createCall(coll, "mod", "gets his own", body(nil), 200).
			expect(`"owner":"` + modID + `"`).then(createdWith(coll, map[string]any{"owner": modID})),
		createCall(coll, "bellaOld", "is refused", body(nil), 400).blockedOut().then(countIs(coll, n)),
		createCall(coll, "superuser", "with an explicit owner", body(map[string]any{"owner": bobID}), 200).
			expect(`"owner":"` + bobID + `"`).then(createdWith(coll, map[string]any{"owner": bobID})),
	}
	for _, who := range callers {
		if who == "alice" || who == "superuser" {
			value := "Renamed by " + who
			cs = append(cs,
				viewCall(coll, target, who, on, 200),
				updateCall(coll, target, who, on, map[string]any{field: value}, 200).
					expect(fmt.Sprintf(`%q:%q`, field, value)).then(fieldIs(coll, target, field, value)),
				deleteCall(coll, target, who, on, 204).then(gone(coll, target)),
			)
			continue
		}
		cs = append(cs, forWho(who,
			viewCall(coll, target, who, on, 404),
			updateCall(coll, target, who, on, map[string]any{field: "Renamed by " + who}, 404).
				then(fieldIs(coll, target, field, original)),
			deleteCall(coll, target, who, on, 404).then(exists(coll, target)),
		)...)
	}
	return cs
}

// ownedExtraCalls: records stay their owner's, and relations name only the
// owner's records.
func ownedExtraCalls() []call {
	return []call{
		updateCall("lists", aliceList, "alice", "giving her list to bob", map[string]any{"owner": bobID}, 400).
			expect(`"data":{"owner":`).then(fieldIs("lists", aliceList, "owner", aliceID)),
		createCall("clients", "bob", "putting his client in alice's list",
			map[string]any{"email": "new-client@example.com", "lists": []string{aliceList}}, 400).
			expect(`"data":{"lists":`).then(countIs("clients", fixtureCount["clients"])),
	}
}

// ---------------------------------------------------------------- mailings

func mailingCalls() []call {
	all := []string{aliceMailing, bobMailing, bellaMailing}
	n := fixtureCount["mailings"]
	newMailing := func(extra map[string]any) map[string]any {
		b := map[string]any{"subject": "Spring sale", "body": "<p>Everything must go</p>"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	subjectKept := fieldIs("mailings", aliceMailing, "subject", "alice news")
	on := "on alice's mailing"

	return []call{
		listCall("mailings", anonymous, "sees none", nil, all),
		listCall("mailings", "alice", "sees only hers", []string{aliceMailing}, []string{bobMailing, bellaMailing}),
		listCall("mailings", "bob", "sees only his", []string{bobMailing}, []string{aliceMailing, bellaMailing}),
		listCall("mailings", "mod", "sees all three", all, nil),
		listCall("mailings", "bellaOld", "sees none, not even hers", nil, all).blockedOut(),
		listCall("mailings", "superuser", "sees all three", all, nil),

		viewCall("mailings", aliceMailing, anonymous, on, 404),
		viewCall("mailings", aliceMailing, "alice", on, 200),
		viewCall("mailings", aliceMailing, "bob", on, 404),
		viewCall("mailings", aliceMailing, "mod", on, 200),
		viewCall("mailings", aliceMailing, "bellaOld", on, 404).blockedOut(),
		viewCall("mailings", bellaMailing, "bellaOld", "on her own mailing", 404).blockedOut(),
		viewCall("mailings", aliceMailing, "superuser", on, 200),

		createCall("mailings", anonymous, "is refused", newMailing(nil), 400).then(countIs("mailings", n)),
		createCall("mailings", "alice", "asking for status completed starts as created",
			newMailing(map[string]any{"status": "completed", "owner": bobID, "lists": []string{aliceList}}), 200).
			expect(`"status":"created"`, `"owner":"`+aliceID+`"`).
			then(createdWith("mailings", map[string]any{"status": "created", "owner": aliceID})),
		createCall("mailings", "bob", "naming alice's client", newMailing(map[string]any{"clients": []string{aliceClient}}), 400).
			expect(`"data":{"clients":`).then(countIs("mailings", n)),
		createCall("mailings", "mod", "naming no one of his own, a draft with no window yet", newMailing(nil), 200).
			expect(`"lists":[]`).then(createdWith("mailings", map[string]any{"owner": modID})),
		createCall("mailings", "bellaOld", "is refused", newMailing(nil), 400).blockedOut().then(countIs("mailings", n)),
		createCall("mailings", "superuser", "for alice", newMailing(map[string]any{"owner": aliceID, "lists": []string{aliceList}}), 200).
			expect(`"owner":"` + aliceID + `"`).then(createdWith("mailings", map[string]any{"owner": aliceID})),

		updateCall("mailings", aliceMailing, anonymous, on, map[string]any{"subject": "x"}, 404).then(subjectKept),
		updateCall("mailings", aliceMailing, "alice", "changing the subject", map[string]any{"subject": "alice news v2"}, 200).
			expect(`"subject":"alice news v2"`).then(fieldIs("mailings", aliceMailing, "subject", "alice news v2")),
		updateCall("mailings", aliceMailing, "alice", "stopping her mailing", map[string]any{"stopped": true}, 200).
			expect(`"stopped":true`).then(fieldIs("mailings", aliceMailing, "stopped", true)),
		updateCall("mailings", aliceMailing, "alice", "setting status completed", map[string]any{"status": "completed"}, 400).
			expect(`"data":{"status":`).then(fieldIs("mailings", aliceMailing, "status", "created")),
		updateCall("mailings", aliceMailing, "bob", on, map[string]any{"subject": "x"}, 404).then(subjectKept),
		updateCall("mailings", aliceMailing, "mod", "stopping alice's mailing", map[string]any{"stopped": true, "stop_reason": "Spam"}, 200).
			expect(`"stopped":true`).then(fieldIs("mailings", aliceMailing, "stopped", true)),
		updateCall("mailings", aliceMailing, "mod", "changing alice's subject", map[string]any{"subject": "x"}, 403).
			then(subjectKept),
		updateCall("mailings", aliceMailing, "bellaOld", "stopping alice's mailing", map[string]any{"stopped": true}, 404).blockedOut().
			then(fieldIs("mailings", aliceMailing, "stopped", false)),
		updateCall("mailings", aliceMailing, "superuser", "changing the subject", map[string]any{"subject": "edited"}, 200).
			expect(`"subject":"edited"`).then(fieldIs("mailings", aliceMailing, "subject", "edited")),

		deleteCall("mailings", aliceMailing, anonymous, on, 404).then(exists("mailings", aliceMailing)),
		deleteCall("mailings", aliceMailing, "alice", on, 204).
			then(gone("mailings", aliceMailing), gone("schedules", aliceSchedule), gone("runs", aliceRun)),
		deleteCall("mailings", aliceMailing, "bob", on, 404).then(exists("mailings", aliceMailing)),
		deleteCall("mailings", aliceMailing, "mod", on, 404).then(exists("mailings", aliceMailing)),
		deleteCall("mailings", aliceMailing, "bellaOld", on, 404).blockedOut().then(exists("mailings", aliceMailing)),
		deleteCall("mailings", aliceMailing, "superuser", on, 204).then(gone("mailings", aliceMailing)),
	}
}

// --------------------------------------------------------------- schedules

func scheduleCalls() []call {
	all := []string{aliceSchedule, bobSchedule}
	n := fixtureCount["schedules"]
	start := types.NowDateTime().Add(time.Hour)
	window := func(mailing string) map[string]any {
		return map[string]any{
			"mailing": mailing, "period": "daily",
			"starts_at": start.String(), "ends_at": start.Add(24 * time.Hour).String(),
		}
	}
	due := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		r := createdRecord(t, app, "schedules", res)
		if r == nil {
			return
		}
		if got, want := r.GetDateTime("next_run_at").String(), start.String(); got != want {
			t.Errorf("schedule %s: next_run_at = %q in the database, want starts_at %q", r.Id, got, want)
		}
		if got := r.GetDateTime("starts_at").String(); got != start.String() {
			t.Errorf("schedule %s: starts_at = %q in the database, want %q", r.Id, got, start.String())
		}
	}
	on := "on alice's schedule"
	periodKept := fieldIs("schedules", aliceSchedule, "period", "weekly")

	past := window(aliceMailing)
	past["starts_at"] = types.NowDateTime().Add(-time.Hour).String()
	backwards := window(aliceMailing)
	backwards["ends_at"] = start.Add(-time.Minute).String()

	return []call{
		listCall("schedules", anonymous, "sees none", nil, all),
		listCall("schedules", "alice", "sees only hers", []string{aliceSchedule}, []string{bobSchedule}),
		listCall("schedules", "bob", "sees only his", []string{bobSchedule}, []string{aliceSchedule}),
		listCall("schedules", "mod", "sees both", all, nil),
		listCall("schedules", "bellaOld", "sees none", nil, all).blockedOut(),
		listCall("schedules", "superuser", "sees both", all, nil),

		viewCall("schedules", aliceSchedule, anonymous, on, 404),
		viewCall("schedules", aliceSchedule, "alice", on, 200),
		viewCall("schedules", aliceSchedule, "bob", on, 404),
		viewCall("schedules", aliceSchedule, "mod", on, 200),
		viewCall("schedules", aliceSchedule, "bellaOld", on, 404).blockedOut(),
		viewCall("schedules", aliceSchedule, "superuser", on, 200),

		createCall("schedules", anonymous, "for alice's mailing", window(aliceMailing), 400).then(countIs("schedules", n)),
		createCall("schedules", "alice", "for her mailing is first due at its start", window(aliceMailing), 200).
			expect(`"next_run_at":"` + start.String() + `"`).then(due),
		createCall("schedules", "alice", "for bob's mailing", window(bobMailing), 400).
			expect(`"data":{"mailing":`).then(countIs("schedules", n)),
		createCall("schedules", "alice", "starting in the past", past, 400).
			expect(`"data":{"starts_at":`).then(countIs("schedules", n)),
		createCall("schedules", "alice", "ending before it starts", backwards, 400).
			expect(`"data":{"ends_at":`).then(countIs("schedules", n)),
		createCall("schedules", "bob", "for alice's mailing", window(aliceMailing), 400).
			expect(`"data":{"mailing":`).then(countIs("schedules", n)),
		createCall("schedules", "mod", "for alice's mailing", window(aliceMailing), 400).
			expect(`"data":{"mailing":`).then(countIs("schedules", n)),
		createCall("schedules", "bellaOld", "for alice's mailing", window(aliceMailing), 400).blockedOut().then(countIs("schedules", n)),
		createCall("schedules", "superuser", "for alice's mailing is first due at its start", window(aliceMailing), 200).then(due),

		updateCall("schedules", aliceSchedule, anonymous, on, map[string]any{"period": "daily"}, 404).then(periodKept),
		updateCall("schedules", aliceSchedule, "alice", on, map[string]any{"period": "daily"}, 200).
			expect(`"period":"daily"`).then(fieldIs("schedules", aliceSchedule, "period", "daily")),
		updateCall("schedules", aliceSchedule, "bob", on, map[string]any{"period": "daily"}, 404).then(periodKept),
		updateCall("schedules", aliceSchedule, "mod", on, map[string]any{"period": "daily"}, 404).then(periodKept),
		updateCall("schedules", aliceSchedule, "bellaOld", on, map[string]any{"period": "daily"}, 404).blockedOut().then(periodKept),
		updateCall("schedules", aliceSchedule, "superuser", on, map[string]any{"period": "daily"}, 200).
			expect(`"period":"daily"`).then(fieldIs("schedules", aliceSchedule, "period", "daily")),

		deleteCall("schedules", aliceSchedule, anonymous, on, 404).then(exists("schedules", aliceSchedule)),
		deleteCall("schedules", aliceSchedule, "alice", on, 204).then(gone("schedules", aliceSchedule)),
		deleteCall("schedules", aliceSchedule, "bob", on, 404).then(exists("schedules", aliceSchedule)),
		deleteCall("schedules", aliceSchedule, "mod", on, 404).then(exists("schedules", aliceSchedule)),
		deleteCall("schedules", aliceSchedule, "bellaOld", on, 404).blockedOut().then(exists("schedules", aliceSchedule)),
		deleteCall("schedules", aliceSchedule, "superuser", on, 204).then(gone("schedules", aliceSchedule)),
	}
}

// -------------------------------------------------- runs, deliveries, posts

func runCalls() []call {
	all := []string{aliceRun, bobRun}
	on := "on alice's run"
	cs := []call{
		listCall("runs", anonymous, "sees none", nil, all),
		listCall("runs", "alice", "sees only hers", []string{aliceRun}, []string{bobRun}),
		listCall("runs", "bob", "sees only his", []string{bobRun}, []string{aliceRun}),
		listCall("runs", "mod", "sees both", all, nil),
		listCall("runs", "bellaOld", "sees none", nil, all).blockedOut(),
		listCall("runs", "superuser", "sees both", all, nil),
	}
	for _, who := range callers {
		status := 404
		if who == "alice" || who == "mod" || who == "superuser" {
			status = 200
		}
		cs = append(cs, forWho(who, viewCall("runs", aliceRun, who, on, status))...)
	}
	newRun := map[string]any{
		"owner": aliceID, "mailing": aliceMailing, "schedule": aliceSchedule, "status": "sending",
		"run_at": types.NowDateTime().Add(8 * 24 * time.Hour).String(),
	}
	return append(cs, systemWrites("runs", aliceRun, on, newRun, "note", "", "checked",
		gone("deliveries", aliceDelivery))...)
}

func deliveryCalls() []call {
	all := []string{aliceDelivery, bobDelivery}
	on := "on alice's delivery"
	cs := []call{
		listCall("deliveries", anonymous, "sees none", nil, all),
		listCall("deliveries", "alice", "sees only hers", []string{aliceDelivery}, []string{bobDelivery}),
		listCall("deliveries", "bob", "sees only his", []string{bobDelivery}, []string{aliceDelivery}),
		listCall("deliveries", "mod", "sees none", nil, all),
		listCall("deliveries", "bellaOld", "sees none", nil, all).blockedOut(),
		listCall("deliveries", "superuser", "sees both", all, nil),
	}
	for _, who := range callers {
		status := 404
		if who == "alice" || who == "superuser" {
			status = 200
		}
		cs = append(cs, forWho(who, viewCall("deliveries", aliceDelivery, who, on, status))...)
	}
	newDelivery := map[string]any{
		"owner": aliceID, "mailing": aliceMailing, "run": aliceRun, "schedule": aliceSchedule,
		"client": aliceClient2, "email": "alice-client2@example.com", "status": "pending",
		"run_at": types.NowDateTime().Add(24 * time.Hour).String(),
	}
	return append(cs, systemWrites("deliveries", aliceDelivery, on, newDelivery, "status", "sent", "failed")...)
}

func postCalls() []call {
	var cs []call
	for _, who := range callers {
		if who == "superuser" {
			cs = append(cs,
				listCall("posts", who, "sees the draft too", []string{publishedPost, draftPost}, nil),
				viewCall("posts", publishedPost, who, "on the published post", 200).
					expect(`"views":0`).then(fieldIs("posts", publishedPost, "views", 0)),
				viewCall("posts", draftPost, who, "on the draft", 200),
			)
			continue
		}
		cs = append(cs, forWho(who,
			listCall("posts", who, "sees only the published post", []string{publishedPost}, []string{draftPost}),
			// reads are counted by the blog page's beacon (blog_test.go), not here
			viewCall("posts", publishedPost, who, "on the published post", 200).
				expect(`"views":0`).then(fieldIs("posts", publishedPost, "views", 0)),
			viewCall("posts", draftPost, who, "on the draft", 404),
		)...)
	}
	newPost := map[string]any{"title": "New", "slug": "new-post", "body": "<p>News</p>", "published": true}
	return append(cs, systemWrites("posts", publishedPost, "on the published post", newPost, "title", "Hello", "Edited")...)
}

// systemWrites: collections only superusers write. Everyone else gets 403
// and nothing changes; the superuser's writes land, and afterDelete checks
// what the superuser's delete takes with it.
func systemWrites(coll, target, on string, newRecord map[string]any, field, original, value string, afterDelete ...check) []call {
	var cs []call
	n := fixtureCount[coll]
	for _, who := range callers {
		if who == "superuser" {
			cs = append(cs,
				createCall(coll, who, "is saved", newRecord, 200).then(createdWith(coll, nil)),
				updateCall(coll, target, who, on, map[string]any{field: value}, 200).
					expect(fmt.Sprintf(`%q:%q`, field, value)).then(fieldIs(coll, target, field, value)),
				deleteCall(coll, target, who, on, 204).then(gone(coll, target)).then(afterDelete...),
			)
			continue
		}
		cs = append(cs, forWho(who,
			createCall(coll, who, "is forbidden", newRecord, 403).then(countIs(coll, n)),
			updateCall(coll, target, who, on, map[string]any{field: value}, 403).then(fieldIs(coll, target, field, original)),
			deleteCall(coll, target, who, on, 403).then(exists(coll, target)),
		)...)
	}
	return cs
}

// ------------------------------------------------------------ the scenarios

// call is one request of the matrix and what its caller must notice.
type call struct {
	name          string
	method, url   string
	who           string
	body          any
	status        int
	want, notWant []string
	checks        []check
	background    bool
}

// check looks at the database after the request.
type check func(t testing.TB, app *tests.TestApp, res *http.Response)

func (c call) expect(s ...string) call { c.want = append(slices.Clone(c.want), s...); return c }
func (c call) reject(s ...string) call { c.notWant = append(slices.Clone(c.notWant), s...); return c }
func (c call) then(ch ...check) call   { c.checks = append(slices.Clone(c.checks), ch...); return c }

// wait gives the confirmation mail of a sign-up (sent in the background)
// time to go before the test app is cleaned up.
func (c call) wait() call { c.background = true; return c }

func (c call) scenario() tests.ApiScenario {
	s := tests.ApiScenario{
		Name:               c.name,
		Method:             c.method,
		URL:                c.url,
		TestAppFactory:     newTestApp,
		ExpectedStatus:     c.status,
		ExpectedContent:    c.want,
		NotExpectedContent: c.notWant,
	}
	if c.who != anonymous {
		s.Headers = map[string]string{"Authorization": tokens[c.who]}
	}
	if c.body != nil {
		raw, err := json.Marshal(c.body)
		if err != nil {
			panic(err)
		}
		s.Body = strings.NewReader(string(raw))
	}
	if c.background {
		s.Delay = 100 * time.Millisecond
	}
	if len(c.checks) > 0 {
		checks := c.checks
		s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
			for _, ch := range checks {
				ch(t, app, res)
			}
		}
	}
	return s
}

func recordsURL(coll string) string { return "/api/collections/" + coll + "/records" }

func quotedIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = `"id":"` + id + `"`
	}
	return out
}

// refusedOr fills in what every answer shows: a refused request its status
// and no record, a 200 the record (id when known).
func (c call) refusedOr(id string) call {
	switch {
	case c.status >= 400:
		c.want = append([]string{fmt.Sprintf(`"status":%d`, c.status)}, c.want...)
		c.notWant = append([]string{`"id":"`}, c.notWant...)
	case c.status == 200 && id != "":
		c.want = append([]string{`"id":"` + id + `"`}, c.want...)
	case c.status == 200:
		c.want = append([]string{`"id":"`}, c.want...)
	}
	return c
}

// listCall: the caller lists coll and sees exactly visible, none of hidden.
func listCall(coll, who, desc string, visible, hidden []string) call {
	return call{
		name:    coll + "/list/" + who + " " + desc,
		method:  http.MethodGet,
		url:     recordsURL(coll) + "?perPage=500",
		who:     who,
		status:  200,
		want:    append([]string{fmt.Sprintf(`"totalItems":%d`, len(visible))}, quotedIDs(visible)...),
		notWant: quotedIDs(hidden),
	}
}

func viewCall(coll, id, who, desc string, status int) call {
	return call{
		name: coll + "/view/" + who + " " + desc, method: http.MethodGet,
		url: recordsURL(coll) + "/" + id, who: who, status: status,
	}.refusedOr(id)
}

func createCall(coll, who, desc string, body map[string]any, status int) call {
	return call{
		name: coll + "/create/" + who + " " + desc, method: http.MethodPost,
		url: recordsURL(coll), who: who, body: body, status: status,
	}.refusedOr("")
}

func updateCall(coll, id, who, desc string, body map[string]any, status int) call {
	return call{
		name: coll + "/update/" + who + " " + desc, method: http.MethodPatch,
		url: recordsURL(coll) + "/" + id, who: who, body: body, status: status,
	}.refusedOr(id)
}

func deleteCall(coll, id, who, desc string, status int) call {
	return call{
		name: coll + "/delete/" + who + " " + desc, method: http.MethodDelete,
		url: recordsURL(coll) + "/" + id, who: who, status: status,
	}.refusedOr(id)
}

// blockedOut: the caller's token is a blocked account's, refused whatever
// it asks with a word the web app knows (and nothing changes: the checks
// stay).
func (c call) blockedOut() call {
	c.status = http.StatusForbidden
	c.want = []string{`"status":403`, `"account_blocked"`}
	c.notWant = []string{`"id":"`, `"token"`}
	return c
}

// forWho applies blockedOut to the calls of the blocked account's token,
// in the matrices that walk every caller.
func forWho(who string, cs ...call) []call {
	for i := range cs {
		cs[i] = cs[i].ifBlockedToken()
	}
	return cs
}

func (c call) ifBlockedToken() call {
	if c.who == "bellaOld" {
		return c.blockedOut()
	}
	return c
}

func refreshCall(who string, status int) call {
	c := call{
		name: "users/auth-refresh/" + who, method: http.MethodPost,
		url: "/api/collections/users/auth-refresh", who: who, status: status,
	}
	if status == 200 {
		return c.expect(`"token":"`)
	}
	return c.expect(fmt.Sprintf(`"status":%d`, status)).reject(`"token"`)
}

// ------------------------------------------------------------------ checks

func load(t testing.TB, app *tests.TestApp, coll, id string) *core.Record {
	r, err := app.FindRecordById(coll, id)
	if err != nil {
		t.Errorf("%s %s: not in the database after the request: %v", coll, id, err)
		return nil
	}
	return r
}

// fieldIs: the stored value of field, as text, is want.
func fieldIs(coll, id, field string, want any) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if r := load(t, app, coll, id); r != nil {
			if got := fmt.Sprint(r.Get(field)); got != fmt.Sprint(want) {
				t.Errorf("%s %s: %s = %q in the database, want %q", coll, id, field, got, fmt.Sprint(want))
			}
		}
	}
}

func exists(coll, id string) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) { load(t, app, coll, id) }
}

func gone(coll, id string) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if _, err := app.FindRecordById(coll, id); err == nil {
			t.Errorf("%s %s: still in the database, want it deleted", coll, id)
		}
	}
}

// countIs: the collection holds n records (nothing was created).
func countIs(coll string, n int) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		got, err := app.CountRecords(coll)
		if err != nil {
			t.Errorf("counting %s: %v", coll, err)
		} else if int(got) != n {
			t.Errorf("%s: %d records in the database, want %d", coll, got, n)
		}
	}
}

// createdRecord reloads the record whose id the create response names.
func createdRecord(t testing.TB, app *tests.TestApp, coll string, res *http.Response) *core.Record {
	var body struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.ID == "" {
		t.Errorf("%s: no record id in the create response (%v)", coll, err)
		return nil
	}
	return load(t, app, coll, body.ID)
}

// createdWith: the created record is stored, one more than the fixture's,
// with the given field values.
func createdWith(coll string, fields map[string]any) check {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		countIs(coll, fixtureCount[coll]+1)(t, app, res)
		r := createdRecord(t, app, coll, res)
		if r == nil {
			return
		}
		for field, want := range fields {
			if got := fmt.Sprint(r.Get(field)); got != fmt.Sprint(want) {
				t.Errorf("%s %s: %s = %q in the database, want %q", coll, r.Id, field, got, fmt.Sprint(want))
			}
		}
	}
}

// tokenVoided: the token the caller held no longer authenticates.
func tokenVoided(who string) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if _, err := app.FindAuthRecordByToken(tokens[who], core.TokenTypeAuth); err == nil {
			t.Errorf("%s's token still authenticates after she was blocked", who)
		}
	}
}
