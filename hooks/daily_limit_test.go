package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/hooks"
)

// Who changes users.daily_limit (DESIGN.md "Trust and limits"): moderators
// for plain users, with a reason, and superusers; every change is logged
// as "old → new: reason". Nobody lifts their own limit, on REST or batch.
func TestDailyLimitChanges(t *testing.T) {
	t.Parallel()
	limitIs := func(id string, n int) check { return fieldIs("users", id, "daily_limit", n) }
	aliceAt1000 := set("users", aliceID, map[string]any{"daily_limit": 1000})
	runSteps(t, []step{
		// the owner: refused, naming the field, nothing saved
		given(updateCall("users", aliceID, "alice", "lifting her own limit", map[string]any{"daily_limit": 0}, 403).
			expect(`"data":{"daily_limit":{"code":"forbidden"`).then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		given(updateCall("users", aliceID, "alice", "lifting her own limit with a reason", map[string]any{"daily_limit": 5000, "reason": "I need it"}, 403).
			expect(`"daily_limit":{"code":"forbidden"`).then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		// another user does not reach alice's record
		given(updateCall("users", aliceID, "bob", "lifting alice's limit", map[string]any{"daily_limit": 0, "reason": "x"}, 404).
			then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		// a blocked user's token is refused
		given(updateCall("users", bellaID, "bellaOld", "lifting her own limit", map[string]any{"daily_limit": 0}, 403).blockedOut().
			then(limitIs(bellaID, 10), nothingLogged), set("users", bellaID, map[string]any{"daily_limit": 10})),
		given(updateCall("users", aliceID, anonymous, "lifting alice's limit", map[string]any{"daily_limit": 0}, 404).
			then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),

		// a moderator, for a plain user: a reason, then logged
		given(updateCall("users", aliceID, "mod", "lowering alice's limit without a reason", map[string]any{"daily_limit": 100}, 400).
			expect(`"data":{"reason":{"code":"validation_reason_required"`).then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		given(updateCall("users", aliceID, "mod", "lowering alice's limit", map[string]any{"daily_limit": 100, "reason": " Complaints "}, 200).
			expect(`"daily_limit":100`).
			then(limitIs(aliceID, 100), logIs(map[string]any{"moderator": modID, "superuser": "", "action": "limit", "user": aliceID, "mailing": "", "reason": "1000 → 100: Complaints"})),
			aliceAt1000),
		given(updateCall("users", aliceID, "mod", "clearing alice's limit", map[string]any{"daily_limit": 0, "reason": "Known sender"}, 200).
			then(limitIs(aliceID, 0), logIs(map[string]any{"action": "limit", "reason": "1000 → none: Known sender"})), aliceAt1000),
		given(updateCall("users", aliceID, "mod", "a negative limit", map[string]any{"daily_limit": -1, "reason": "x"}, 400).
			expect(`"daily_limit":{"code":"validation_min_number_constraint"`).then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		given(updateCall("users", aliceID, "mod", "a limit and a new name", map[string]any{"daily_limit": 5, "reason": "x", "name": "x"}, 403).
			then(limitIs(aliceID, 1000), nothingLogged), aliceAt1000),
		// ...not for a moderator, nor himself
		given(updateCall("users", mod2ID, "mod", "limiting another moderator", map[string]any{"daily_limit": 5, "reason": "x"}, 403).
			then(limitIs(mod2ID, 0), nothingLogged)),
		given(updateCall("users", modID, "mod", "lifting his own limit", map[string]any{"daily_limit": 0, "reason": "x"}, 403).
			expect(`"daily_limit":{"code":"forbidden"`).then(limitIs(modID, 7), nothingLogged), set("users", modID, map[string]any{"daily_limit": 7})),

		// a superuser: no reason needed, logged all the same
		given(updateCall("users", aliceID, "superuser", "raising alice's limit", map[string]any{"daily_limit": 2000}, 200).
			then(limitIs(aliceID, 2000), logIs(map[string]any{"superuser": "root@example.com", "moderator": "", "action": "limit", "user": aliceID, "reason": "1000 → 2000"})),
			aliceAt1000),
		given(updateCall("users", mod2ID, "superuser", "limiting a moderator", map[string]any{"daily_limit": 50, "reason": "Test"}, 200).
			then(limitIs(mod2ID, 50), logIs(map[string]any{"action": "limit", "user": mod2ID, "reason": "none → 50: Test"}))),
	})
}

// Inside /api/batch the owner is refused the same way, and nothing of the
// batch is saved.
func TestDailyLimitInABatch(t *testing.T) {
	t.Parallel()
	s := tests.ApiScenario{
		Name: "alice lifts her limit in a batch", Method: http.MethodPost, URL: "/api/batch",
		Headers: map[string]string{"Authorization": tokens["alice"]},
		Body: batchBody(t,
			batchReq(http.MethodPatch, recordsURL("users")+"/"+aliceID, map[string]any{"name": "Alice B"}),
			batchReq(http.MethodPatch, recordsURL("users")+"/"+aliceID, map[string]any{"daily_limit": 0})),
		TestAppFactory: newTestApp,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			set("users", aliceID, map[string]any{"daily_limit": 1000})(t, app)
		},
		ExpectedStatus:  400,
		ExpectedContent: []string{`"requests":{"1":{"code":"batch_request_failed"`, `"daily_limit":{"code":"forbidden"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			fieldIs("users", aliceID, "daily_limit", 1000)(t, app, res)
			fieldIs("users", aliceID, "name", aliceID)(t, app, res)
			nothingLogged(t, app, res)
		},
	}
	s.Test(t)
}

// New accounts get POSTRIDER_NEW_USER_DAILY_LIMIT whatever the sign-up
// says; a superuser creating one may choose.
func TestNewAccountsGetTheDailyLimit(t *testing.T) {
	t.Parallel()
	withLimit := func(t testing.TB) *tests.TestApp {
		app, err := tests.NewTestApp(fixtureDir)
		if err != nil {
			t.Fatal(err)
		}
		hooks.Register(app, config.Config{NewUserDailyLimit: 1000})
		return app
	}
	signUp := func(who, desc string, body map[string]any, want int) tests.ApiScenario {
		body["email"], body["password"], body["passwordConfirm"] = "new@example.com", "a new password 1", "a new password 1"
		c := createCall("users", who, desc, body, 200).wait()
		s := c.scenario()
		s.TestAppFactory = withLimit
		s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			u, err := app.FindAuthRecordByEmail("users", "new@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got := u.GetInt("daily_limit"); got != want {
				t.Errorf("daily_limit = %d, want %d", got, want)
			}
		}
		return s
	}
	for _, s := range []tests.ApiScenario{
		signUp(anonymous, "signing up", map[string]any{}, 1000),
		signUp(anonymous, "signing up with no limit", map[string]any{"daily_limit": 0}, 1000),
		signUp(anonymous, "signing up with a bigger limit", map[string]any{"daily_limit": 99999}, 1000),
		signUp("superuser", "creating an account", map[string]any{}, 1000),
		signUp("superuser", "creating an account with its limit", map[string]any{"daily_limit": 0}, 0),
	} {
		s.Test(t)
	}
}
