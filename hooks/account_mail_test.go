package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/mails"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/mailer"
)

// spamName is what a spammer signs up with, a victim's address as the email.
const spamName = "Your parcel is held: pay the fee at https://parcel-fee.example/pay"

// nextMail waits for the app's mail number n (from 1) to go out (account
// mail goes out in the background) and returns it.
func nextMail(t *testing.T, app *tests.TestApp, n int) mailer.Message {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if app.TestMailer.TotalSend() >= n {
			return *app.TestMailer.Messages()[n-1]
		}
	}
	t.Fatalf("mail %d did not go out (%d sent)", n, app.TestMailer.TotalSend())
	return mailer.Message{}
}

// nameless fails unless m carries none of the user's name, in its To or body.
func nameless(t *testing.T, what string, m mailer.Message, name string) {
	t.Helper()
	for _, to := range m.To {
		if to.Name != "" {
			t.Errorf("%s: To names %q", what, to.Name)
		}
	}
	for _, part := range []string{m.Subject, m.HTML, m.Text} {
		if strings.Contains(part, name) || strings.Contains(part, "parcel") {
			t.Errorf("%s carries the name: %s", what, part)
		}
	}
	if !strings.Contains(m.HTML, "<p>Hello,</p>") {
		t.Errorf("%s lost its greeting: %s", what, m.HTML)
	}
}

// A name is the user's own text: account mail to an address that is not
// confirmed carries none of it, so that a sign-up with a victim's address
// cannot mail the victim the spammer's words from the service's address.
// Mail to a confirmed address greets the user by name.
func TestAccountMailNamesOnlyConfirmedAddresses(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)

	api.expect("a sign-up with a victim's address", 200, "POST", "/api/collections/users/records", "",
		`{"email":"victim@example.org","password":"a long password","passwordConfirm":"a long password","name":"`+spamName+`"}`)
	confirm := nextMail(t, app, 1)
	if len(confirm.To) != 1 || confirm.To[0].Address != "victim@example.org" {
		t.Fatalf("the confirmation went to %v", confirm.To)
	}
	nameless(t, "the confirmation mail", confirm, spamName)

	uma, err := app.FindRecordById("users", umaID) // never confirmed
	if err != nil {
		t.Fatal(err)
	}
	uma.Set("name", spamName)
	if err := app.Save(uma); err != nil {
		t.Fatal(err)
	}
	api.expect("a password reset asked for an unconfirmed account", 204, "POST", "/api/collections/users/request-password-reset", "",
		`{"email":"uma@example.com"}`)
	nameless(t, "the reset mail to an unconfirmed address", nextMail(t, app, 2), spamName)

	alice, err := app.FindRecordById("users", aliceID) // confirmed
	if err != nil {
		t.Fatal(err)
	}
	alice.Set("name", "Alice <Smith>")
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}
	api.expect("an email change asked by a confirmed user", 204, "POST", "/api/collections/users/request-email-change", tokens["alice"],
		`{"newEmail":"someone-else@example.org"}`)
	change := nextMail(t, app, 3)
	if len(change.To) != 1 || change.To[0].Address != "someone-else@example.org" {
		t.Fatalf("the email change went to %v", change.To)
	}
	nameless(t, "the email change mail to the new address", change, "Alice")

	if err := mails.SendRecordPasswordReset(app, alice); err != nil {
		t.Fatal(err)
	}
	reset := nextMail(t, app, 4)
	if !strings.Contains(reset.HTML, "<p>Hello, Alice &lt;Smith&gt;,</p>") || len(reset.To) != 1 || reset.To[0].Name != "Alice <Smith>" {
		t.Errorf("the reset mail to a confirmed address greets %v: %s", reset.To, reset.HTML)
	}
}

// Sign-ups go through their own route, with its rate limit: inside
// /api/batch (whose sub-requests skip the collections' rate limits) they
// are refused (the batch answers 400 naming the request, refused 403),
// for a visitor and a user alike; a superuser may still.
func TestSignUpsInsideABatchAreRefused(t *testing.T) {
	const users = "/api/collections/users/records"
	signUp := func(email string) map[string]any {
		return map[string]any{"email": email, "password": "a long password", "passwordConfirm": "a long password", "name": spamName}
	}
	refusedBatch := func(name, token string, requests ...map[string]any) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t, requests...),
			TestAppFactory: newTestApp, ExpectedStatus: 400, ExpectedContent: []string{`"status":403`, "not inside a batch"},
		}
		if token != "" {
			s.Headers = map[string]string{"Authorization": tokens[token]}
		}
		return counted(s, "users")
	}
	scenarios := []tests.ApiScenario{
		refusedBatch("a visitor's batch of sign-ups", "",
			batchReq("POST", users, signUp("victim1@example.org")), batchReq("POST", users, signUp("victim2@example.org"))),
		refusedBatch("a sign-up as a batch's upsert", "", batchReq("PUT", users, signUp("victim3@example.org"))),
		refusedBatch("a sign-up by the users collection's id", "", batchReq("POST", "/api/collections/_pb_users_auth_/records", signUp("victim4@example.org"))),
		refusedBatch("a user's batch creating accounts", "alice", batchReq("POST", users, signUp("victim5@example.org"))),
		{
			Name: "a superuser's batch creates an account", Method: http.MethodPost, URL: "/api/batch",
			Headers: map[string]string{"Authorization": tokens["superuser"]},
			Body:    batchBody(t, batchReq("POST", users, signUp("made-by-root@example.org"))), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":200`, `made-by-root@example.org`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
