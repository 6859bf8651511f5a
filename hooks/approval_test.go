package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/hooks"
)

// approvalApp is newTestApp with POSTRIDER_APPROVAL at mode.
func approvalApp(mode string) func(t testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp {
		app, err := tests.NewTestApp(fixtureDir)
		if err != nil {
			t.Fatal(err)
		}
		hooks.Register(app, config.Config{Approval: mode})
		return app
	}
}

// runStepsIn runs the steps against test apps with approval at mode.
func runStepsIn(t *testing.T, mode string, steps []step) {
	for _, s := range steps {
		sc := s.scenario()
		sc.Name = mode + ": " + sc.Name
		sc.TestAppFactory = approvalApp(mode)
		sc.Test(t)
	}
}

var (
	alicePending  = set("mailings", aliceMailing, map[string]any{"approval": "pending"})
	aliceApproved = set("mailings", aliceMailing, map[string]any{"approval": "approved", "approved_by": modID, "approval_reason": "Fine"})
	aliceRejected = set("mailings", aliceMailing, map[string]any{"approval": "rejected", "approved_by": modID, "approval_reason": "Bought list"})
	aliceTrusted  = set("users", aliceID, map[string]any{"trusted": true})
)

// approvalIs: alice's mailing's approval fields as stored.
func approvalIs(approval, reason, by string) check {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		fieldIs("mailings", aliceMailing, "approval", approval)(t, app, res)
		fieldIs("mailings", aliceMailing, "approval_reason", reason)(t, app, res)
		fieldIs("mailings", aliceMailing, "approved_by", by)(t, app, res)
	}
}

func newMailing(extra map[string]any) map[string]any {
	body := map[string]any{"owner": aliceID, "subject": "Spring", "body": "<p>Hi</p>", "lists": []string{aliceList}}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func TestApprovalOnCreate(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{config.ApprovalNewUsers, config.ApprovalAll} {
		runStepsIn(t, mode, []step{
			given(createCall("mailings", "alice", "a new mailing waits", newMailing(nil), 200).
				expect(`"approval":"pending"`).then(createdWith("mailings", map[string]any{"approval": "pending", "approved_by": ""}))),
			given(createCall("mailings", "alice", "approving her own new mailing", newMailing(map[string]any{"approval": "approved"}), 400).
				expect(`"data":{"approval":{"code":"validation_system_field"`).then(countIs("mailings", fixtureCount["mailings"]))),
			given(createCall("mailings", "alice", "naming who approved it", newMailing(map[string]any{"approved_by": modID}), 400).
				expect(`"data":{"approved_by":{"code":"validation_system_field"`).then(countIs("mailings", fixtureCount["mailings"]))),
			given(createCall("mailings", "alice", "giving a reason", newMailing(map[string]any{"approval_reason": "ok"}), 400).
				expect(`"data":{"approval_reason":{"code":"validation_system_field"`).then(countIs("mailings", fixtureCount["mailings"]))),
			given(createCall("mailings", "superuser", "a superuser's mailing for alice, approved at once", newMailing(map[string]any{"approval": "approved"}), 200).
				then(createdWith("mailings", map[string]any{"approval": "approved"}))),
		})
	}
	// a trusted user's mailing waits only when approval is for all
	runStepsIn(t, config.ApprovalNewUsers, []step{given(createCall("mailings", "alice", "trusted: no approval", newMailing(nil), 200).
		then(createdWith("mailings", map[string]any{"approval": ""})), aliceTrusted)})
	runStepsIn(t, config.ApprovalAll, []step{given(createCall("mailings", "alice", "trusted: still waits", newMailing(nil), 200).
		then(createdWith("mailings", map[string]any{"approval": "pending"})), aliceTrusted)})
	// with approval off, nothing waits (the fixture's app is off)
	runSteps(t, []step{given(createCall("mailings", "alice", "approval off: no approval", newMailing(nil), 200).
		then(createdWith("mailings", map[string]any{"approval": ""})))})
}

func TestApprovalDecisions(t *testing.T) {
	t.Parallel()
	pending := approvalIs("pending", "", "")
	for _, mode := range []string{config.ApprovalNewUsers, config.ApprovalAll} {
		runStepsIn(t, mode, []step{
			// the owner never decides
			given(updateCall("mailings", aliceMailing, "alice", "approving her own", map[string]any{"approval": "approved"}, 400).
				expect(`"data":{"approval":{"code":"validation_system_field"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "alice", "writing the reason", map[string]any{"approval_reason": "fine"}, 400).
				expect(`"data":{"approval_reason":{"code":"validation_system_field"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "alice", "naming who approved", map[string]any{"approved_by": modID}, 400).
				expect(`"data":{"approved_by":{"code":"validation_system_field"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "alice", "clearing a rejection", map[string]any{"approval": ""}, 400).
				expect(`"data":{"approval":{"code":"validation_system_field"`).then(approvalIs("rejected", "Bought list", modID), nothingLogged), aliceRejected),
			// nor does anyone but a moderator
			given(updateCall("mailings", aliceMailing, "bob", "approving alice's", map[string]any{"approval": "approved"}, 404).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, anonymous, "approving alice's", map[string]any{"approval": "approved"}, 404).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "bellaOld", "approving alice's", map[string]any{"approval": "approved"}, 0).blockedOut().then(pending, nothingLogged), alicePending),

			// a moderator approves, or rejects with a reason
			given(updateCall("mailings", aliceMailing, "mod", "approving", map[string]any{"approval": "approved"}, 200).
				expect(`"approval":"approved"`, `"approved_by":"`+modID+`"`).
				then(approvalIs("approved", "", modID), logIs(map[string]any{"moderator": modID, "action": "approve", "user": aliceID, "mailing": aliceMailing, "reason": ""})), alicePending),
			given(updateCall("mailings", aliceMailing, "mod", "rejecting without a reason", map[string]any{"approval": "rejected"}, 400).
				expect(`"data":{"approval_reason":{"code":"validation_reason_required"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "mod", "rejecting with a blank reason", map[string]any{"approval": "rejected", "approval_reason": "  "}, 400).
				expect(`"data":{"approval_reason":{"code":"validation_reason_required"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "mod", "rejecting with a reason", map[string]any{"approval": "rejected", "approval_reason": " Bought list "}, 200).
				then(approvalIs("rejected", "Bought list", modID), logIs(map[string]any{"moderator": modID, "action": "reject", "user": aliceID, "mailing": aliceMailing, "reason": "Bought list"})), alicePending),
			given(updateCall("mailings", aliceMailing, "mod", "approving a rejected one", map[string]any{"approval": "approved", "approval_reason": "Explained"}, 200).
				then(approvalIs("approved", "Explained", modID), logIs(map[string]any{"action": "approve", "reason": "Explained"})), aliceRejected),
			given(updateCall("mailings", aliceMailing, "mod", "setting it pending", map[string]any{"approval": "pending"}, 400).
				expect(`"data":{"approval":{"code":"validation_invalid_value"`).then(approvalIs("approved", "Fine", modID), nothingLogged), aliceApproved),
			given(updateCall("mailings", aliceMailing, "mod", "approving in another moderator's name", map[string]any{"approval": "approved", "approved_by": mod2ID}, 403).
				expect(`"data":{"approved_by":{"code":"forbidden"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "mod", "approving and changing the subject", map[string]any{"approval": "approved", "subject": "mine"}, 403).
				expect(`"data":{"subject":{"code":"forbidden"`).then(pending, fieldIs("mailings", aliceMailing, "subject", "alice news"), nothingLogged), alicePending),

			// a superuser decides too, with no moderator named
			given(updateCall("mailings", aliceMailing, "superuser", "approving", map[string]any{"approval": "approved"}, 200).
				then(approvalIs("approved", "", ""), logIs(map[string]any{"moderator": "", "superuser": "root@example.com", "action": "approve"})), alicePending),
			given(updateCall("mailings", aliceMailing, "superuser", "rejecting without a reason", map[string]any{"approval": "rejected"}, 400).
				expect(`"data":{"approval_reason":{"code":"validation_reason_required"`).then(pending, nothingLogged), alicePending),
		})
	}
}

// Every approval field × every caller who may not set it: refused, and
// nothing changes nor is logged; with approval off too.
func TestApprovalFieldsByRole(t *testing.T) {
	t.Parallel()
	values := map[string]any{"approval": "approved", "approval_reason": "fine", "approved_by": modID}
	pending := approvalIs("pending", "", "")
	var steps []step
	for field, value := range values {
		body := map[string]any{field: value}
		steps = append(steps,
			given(updateCall("mailings", aliceMailing, "alice", "the owner setting "+field, body, 400).
				expect(`"data":{"`+field+`":{"code":"validation_system_field"`).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "bob", "another user setting "+field, body, 404).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, anonymous, "a visitor setting "+field, body, 404).then(pending, nothingLogged), alicePending),
			given(updateCall("mailings", aliceMailing, "bellaOld", "a blocked user setting "+field, body, 0).blockedOut().then(pending, nothingLogged), alicePending),
		)
	}
	steps = append(steps,
		given(updateCall("mailings", aliceMailing, "mod", "a moderator naming who approved", map[string]any{"approved_by": modID}, 403).
			expect(`"data":{"approved_by":{"code":"forbidden"`).then(pending, nothingLogged), alicePending),
		given(updateCall("mailings", aliceMailing, "mod", "a moderator giving a reason and no decision", map[string]any{"approval_reason": "fine"}, 400).
			expect(`"data":{"approval":{"code":"validation_invalid_value"`).then(pending, nothingLogged), alicePending),
		given(updateCall("mailings", aliceMailing, "superuser", "a superuser naming a moderator", map[string]any{"approval": "approved", "approved_by": mod2ID}, 200).
			then(approvalIs("approved", "", ""), logIs(map[string]any{"action": "approve", "superuser": "root@example.com"})), alicePending),
	)
	for _, mode := range []string{config.ApprovalOff, config.ApprovalNewUsers, config.ApprovalAll} {
		runStepsIn(t, mode, steps)
	}
	// with approval off, a moderator still decides what waited before
	runSteps(t, []step{given(updateCall("mailings", aliceMailing, "mod", "approval off: approving what waited", map[string]any{"approval": "approved"}, 200).
		then(approvalIs("approved", "", modID), logIs(map[string]any{"action": "approve", "moderator": modID})), alicePending)})
}

func TestApprovalAskedAgain(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{config.ApprovalNewUsers, config.ApprovalAll} {
		runStepsIn(t, mode, []step{
			given(updateCall("mailings", aliceMailing, "alice", "a new subject after approval", map[string]any{"subject": "changed"}, 200).
				expect(`"approval":"pending"`).then(approvalIs("pending", "", "")), aliceApproved),
			given(updateCall("mailings", aliceMailing, "alice", "a new body after a rejection", map[string]any{"body": "<p>Better</p>"}, 200).
				then(approvalIs("pending", "", "")), aliceRejected),
			given(updateCall("mailings", aliceMailing, "alice", "another sender after approval", map[string]any{"sender": aliceSender}, 200).
				then(approvalIs("pending", "", "")), aliceApproved),
			given(updateCall("mailings", aliceMailing, "alice", "an edit of the subject of a mailing from before approval", map[string]any{"subject": "changed"}, 200).
				then(approvalIs("pending", "", ""))),
			given(updateCall("mailings", aliceMailing, "alice", "recipients changed after approval", map[string]any{"clients": []string{aliceClient}}, 200).
				then(approvalIs("approved", "Fine", modID)), aliceApproved),
			given(updateCall("mailings", aliceMailing, "alice", "stopping an approved mailing", map[string]any{"stopped": true}, 200).
				then(approvalIs("approved", "Fine", modID)), aliceApproved),
		})
	}
	runStepsIn(t, config.ApprovalNewUsers, []step{given(updateCall("mailings", aliceMailing, "alice", "trusted: a new subject asks nothing", map[string]any{"subject": "changed"}, 200).
		then(approvalIs("approved", "Fine", modID)), aliceApproved, aliceTrusted)})
	runSteps(t, []step{given(updateCall("mailings", aliceMailing, "alice", "approval off: a new subject asks nothing", map[string]any{"subject": "changed"}, 200).
		then(approvalIs("approved", "Fine", modID)), aliceApproved)})
}

func TestApprovalInBatch(t *testing.T) {
	t.Parallel()
	alice := map[string]string{"Authorization": tokens["alice"]}
	for _, sc := range []tests.ApiScenario{
		{
			Name: "alice approving her own mailing in a batch", Method: http.MethodPost, URL: "/api/batch", Headers: alice,
			Body:           batchBody(t, batchReq("PATCH", "/api/collections/mailings/records/"+aliceMailing, map[string]any{"approval": "approved"})),
			ExpectedStatus: 400, ExpectedContent: []string{`"approval":{"code":"validation_system_field"`},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { alicePending(t, app) },
			AfterTestFunc:  func(t testing.TB, app *tests.TestApp, res *http.Response) { approvalIs("pending", "", "")(t, app, res) },
		},
		{
			Name: "alice creating an approved mailing in a batch", Method: http.MethodPost, URL: "/api/batch", Headers: alice,
			Body:           batchBody(t, batchReq("POST", "/api/collections/mailings/records", newMailing(map[string]any{"approval": "approved"}))),
			ExpectedStatus: 400, ExpectedContent: []string{`"approval":{"code":"validation_system_field"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				countIs("mailings", fixtureCount["mailings"])(t, app, res)
			},
		},
		{
			Name: "alice creating a mailing in a batch: it waits", Method: http.MethodPost, URL: "/api/batch", Headers: alice,
			Body:           batchBody(t, batchReq("POST", "/api/collections/mailings/records", newMailing(nil))),
			ExpectedStatus: 200, ExpectedContent: []string{`"approval":"pending"`},
		},
	} {
		sc.TestAppFactory = approvalApp(config.ApprovalNewUsers)
		sc.Test(t)
	}
}

func TestTrust(t *testing.T) {
	t.Parallel()
	untrusted := fieldIs("users", aliceID, "trusted", false)
	trusted := fieldIs("users", aliceID, "trusted", true)
	runSteps(t, []step{
		given(updateCall("users", aliceID, "alice", "trusting herself", map[string]any{"trusted": true, "reason": "me"}, 403).
			expect(`"data":{"trusted":{"code":"forbidden"`).then(untrusted, nothingLogged)),
		given(updateCall("users", aliceID, "bob", "trusting alice", map[string]any{"trusted": true, "reason": "friend"}, 404).then(untrusted, nothingLogged)),
		given(updateCall("users", aliceID, anonymous, "trusting alice", map[string]any{"trusted": true}, 404).then(untrusted, nothingLogged)),
		given(updateCall("users", aliceID, "bellaOld", "trusting alice", map[string]any{"trusted": true}, 0).blockedOut().then(untrusted, nothingLogged)),
		given(updateCall("users", aliceID, "mod", "trusting without a reason", map[string]any{"trusted": true}, 400).
			expect(`"data":{"reason":{"code":"validation_reason_required"`).then(untrusted, nothingLogged)),
		given(updateCall("users", aliceID, "mod", "trusting with a reason", map[string]any{"trusted": true, "reason": " Known customer "}, 200).
			expect(`"trusted":true`).then(trusted, logIs(map[string]any{"moderator": modID, "action": "trust", "user": aliceID, "mailing": "", "reason": "Known customer"}))),
		given(updateCall("users", aliceID, "mod", "untrusting with a reason", map[string]any{"trusted": false, "reason": "Complaints"}, 200).
			then(untrusted, logIs(map[string]any{"action": "untrust", "reason": "Complaints"})), aliceTrusted),
		given(updateCall("users", mod2ID, "mod", "trusting another moderator", map[string]any{"trusted": true, "reason": "x"}, 403).
			then(fieldIs("users", mod2ID, "trusted", false), nothingLogged)),
		given(updateCall("users", aliceID, "superuser", "trusting without a reason", map[string]any{"trusted": true}, 200).
			then(trusted, logIs(map[string]any{"superuser": "root@example.com", "action": "trust"}))),
		given(createCall("users", anonymous, "signing up trusted", map[string]any{"email": "new@example.com", "password": fixturePassword, "passwordConfirm": fixturePassword, "trusted": true}, 400).
			expect(`"data":{"trusted":{"code":"validation_system_field"`).then(countIs("users", fixtureCount["users"]))),
	})
	// trusting alice approves none of her pending mailings
	runStepsIn(t, config.ApprovalNewUsers, []step{
		given(updateCall("users", aliceID, "mod", "trusting a user with a pending mailing", map[string]any{"trusted": true, "reason": "Known"}, 200).
			then(trusted, approvalIs("pending", "", "")), alicePending),
	})
}
