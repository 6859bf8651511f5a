package hooks_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/mailer"
)

func jsonBody(s string) *strings.Reader { return strings.NewReader(s) }

// Sign-up sends the confirmation mail by itself; its link opens the web
// app's confirm page; the token confirms the account; then login works.
func TestSignUpConfirmLogin(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	const email = "newcomer@example.com"
	login := `{"identity":"` + email + `","password":"a long password"}`

	api.expect("sign up", 200, "POST", "/api/collections/users/records", "",
		`{"email":"`+email+`","password":"a long password","passwordConfirm":"a long password","name":"New Comer","timezone":"Asia/Tokyo"}`,
		`"verified":false`, `"role":"user"`, `"timezone":"Asia/Tokyo"`)

	var msg *mailer.Message
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if app.TestMailer.TotalSend() > 0 { // the mail goes out in the background
			m := app.TestMailer.LastMessage()
			msg = &m
			break
		}
	}
	if msg == nil || app.TestMailer.TotalSend() != 1 {
		t.Fatalf("want 1 confirmation mail, got %d", app.TestMailer.TotalSend())
	}
	if len(msg.To) != 1 || msg.To[0].Address != email {
		t.Fatalf("mail to %v", msg.To)
	}
	link := regexp.MustCompile(`href="([^"]+)"`).FindStringSubmatch(msg.HTML)
	prefix := app.Settings().Meta.AppURL + "/confirm?token="
	if link == nil || !strings.HasPrefix(link[1], prefix) {
		t.Fatalf("the mail's link %v does not open %s…", link, prefix)
	}
	token := strings.TrimPrefix(link[1], prefix)

	out := api.expect("login before confirming is refused and says why", 403, "POST", "/api/collections/users/auth-with-password", "", login,
		`"code":"email_not_confirmed"`, `Confirm your email`)
	if strings.Contains(out, `"token"`) {
		t.Fatalf("a token was issued before the confirmation: %s", out)
	}
	api.expect("a forged token does not confirm", 400, "POST", "/api/collections/users/confirm-verification", "", `{"token":"`+token+`x"}`)
	api.expect("confirm with the mailed token", 204, "POST", "/api/collections/users/confirm-verification", "", `{"token":"`+token+`"}`)
	api.expect("login after confirming", 200, "POST", "/api/collections/users/auth-with-password", "", login,
		`"token":"`, `"email":"`+email+`"`, `"verified":true`)
}

func TestLoginRefusals(t *testing.T) {
	login := func(name, email, password string, status int, content ...string) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            jsonBody(`{"identity":"` + email + `","password":"` + password + `"}`),
			TestAppFactory:  newTestApp,
			ExpectedStatus:  status,
			ExpectedContent: content,
		}
	}
	scenarios := []tests.ApiScenario{
		login("a confirmed user logs in", "alice@example.com", fixturePassword, 200, `"token":"`),
		login("a wrong password is refused without saying more", "alice@example.com", "wrong password", 400, `"message":"Failed to authenticate."`),
		login("a blocked user is told the account is blocked", "bella@example.com", fixturePassword, 403, `"code":"account_blocked"`, `blocked`),
		login("a blocked account with a wrong password reveals nothing", "bella@example.com", "wrong password", 400, `"message":"Failed to authenticate."`),
		login("an unconfirmed user is told to confirm", "uma@example.com", fixturePassword, 403, `"code":"email_not_confirmed"`),
		login("an unconfirmed account with a wrong password reveals nothing", "uma@example.com", "wrong password", 400, `"message":"Failed to authenticate."`),
	}
	for _, s := range scenarios {
		s.NotExpectedContent = append(s.NotExpectedContent, map[bool]string{true: `"code":"`, false: `"token":"`}[s.ExpectedStatus == 200])
		s.Test(t)
	}
}

// A moderator blocks a user through the API: the tokens the user holds stop
// working at once, and so does login.
func TestBlockingEndsSessionsAtOnce(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	const mailings = "/api/collections/mailings/records"
	bobLogin := `{"identity":"bob@example.com","password":"` + fixturePassword + `"}`

	api.expect("bob's token works before", 200, "GET", mailings, tokens["bob"], "", `"totalItems":1`, bobMailing)
	api.expect("the moderator blocks bob", 200, "PATCH", "/api/collections/users/records/"+bobID, tokens["mod"], `{"blocked":true,"blocked_reason":"Spam"}`, `"blocked":true`)
	if out := api.expect("bob's token is refused, saying the account is blocked", 403, "GET", mailings, tokens["bob"], "", `"code":"account_blocked"`); strings.Contains(out, bobMailing) || strings.Contains(out, "Spam") {
		t.Fatalf("bob still sees his mailing, or a mere token learns the reason: %s", out)
	}
	api.expect("bob's token cannot be refreshed", 403, "POST", "/api/collections/users/auth-refresh", tokens["bob"], "")
	api.expect("bob cannot log in again", 403, "POST", "/api/collections/users/auth-with-password", "", bobLogin, `"code":"account_blocked"`)
	api.expect("the moderator unblocks bob", 200, "PATCH", "/api/collections/users/records/"+bobID, tokens["mod"], `{"blocked":false,"blocked_reason":"Promised to stop"}`, `"blocked":false`)
	api.expect("bob logs in again", 200, "POST", "/api/collections/users/auth-with-password", "", bobLogin, `"token":"`)
	api.expect("but his old token stays void", 401, "POST", "/api/collections/users/auth-refresh", tokens["bob"], "")
}

func TestSignUpRefusesUnknownTimeZone(t *testing.T) {
	(&tests.ApiScenario{
		Name:   "unknown time zone",
		Method: http.MethodPost,
		URL:    "/api/collections/users/records",
		Body: jsonBody(`{"email":"tz@example.com","password":"a long password","passwordConfirm":"a long password",
			"timezone":"Mars/Olympus"}`),
		TestAppFactory:  newTestApp,
		ExpectedStatus:  400,
		ExpectedContent: []string{`"timezone":{"code":"validation_invalid_timezone"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if _, err := app.FindAuthRecordByEmail("users", "tz@example.com"); err == nil {
				t.Fatal("the account was saved")
			}
			if app.TestMailer.TotalSend() != 0 {
				t.Fatal("a confirmation mail went out for an account that was not saved")
			}
		},
	}).Test(t)
}

// Moderators and superusers cannot be blocked, whoever tries.
func TestModeratorsCannotBeBlockedEvenBySuperusers(t *testing.T) {
	(&tests.ApiScenario{
		Name:            "superuser blocks a moderator",
		Method:          http.MethodPatch,
		URL:             "/api/collections/users/records/" + mod2ID,
		Body:            jsonBody(`{"blocked":true}`),
		Headers:         map[string]string{"Authorization": tokens["superuser"]},
		TestAppFactory:  newTestApp,
		ExpectedStatus:  400,
		ExpectedContent: []string{`"blocked":{"code":"validation_moderator_unblockable"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if r, _ := app.FindRecordById("users", mod2ID); r == nil || r.GetBool("blocked") {
				t.Fatal("the moderator was blocked")
			}
		},
	}).Test(t)
}

// An account's email is one whatever its capitals: login finds it in any
// capitals, and neither sign-up nor an email change makes a second account
// with it in other capitals.
func TestEmailsAreUniqueWhateverTheirCapitals(t *testing.T) {
	app := newTestApp(t)
	bob, err := app.FindRecordById("users", bobID)
	if err != nil {
		t.Fatal(err)
	}
	changeToken, err := bob.NewEmailChangeToken("ALICE@EXAMPLE.COM")
	app.Cleanup()
	if err != nil {
		t.Fatal(err)
	}
	emailOf := func(id, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if r, _ := app.FindRecordById("users", id); r == nil || r.Email() != want {
				t.Fatalf("%s's email is not %s any more", id, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{Name: "login in other capitals", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password",
			Body:           jsonBody(`{"identity":"Alice@Example.COM","password":"` + fixturePassword + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"token":"`, `"id":"` + aliceID + `"`}},
		{Name: "login in other capitals with a wrong password", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password",
			Body:           jsonBody(`{"identity":"Alice@Example.COM","password":"wrong password"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"message":"Failed to authenticate."`}, NotExpectedContent: []string{`"token"`}},
		{Name: "sign-up with an existing email in other capitals", Method: http.MethodPost, URL: "/api/collections/users/records",
			Body:           jsonBody(`{"email":"ALICE@EXAMPLE.COM","password":"a long password","passwordConfirm":"a long password"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"email":{"code":"validation_not_unique"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n, _ := app.CountRecords("users", dbx.NewExp("email = 'alice@example.com' COLLATE NOCASE")); n != 1 {
					t.Fatalf("%d accounts with alice's email", n)
				}
			}},
		{Name: "an email change request to another's email in other capitals", Method: http.MethodPost,
			URL: "/api/collections/users/request-email-change", Headers: map[string]string{"Authorization": tokens["bob"]},
			Body:           jsonBody(`{"newEmail":"ALICE@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"newEmail":{"code":"validation_invalid_new_email"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if app.TestMailer.TotalSend() != 0 {
					t.Fatal("a confirmation mail went out for an email that is taken")
				}
			}},
		{Name: "an email change confirmed after another took the email in other capitals", Method: http.MethodPost,
			URL:            "/api/collections/users/confirm-email-change",
			Body:           jsonBody(`{"token":"` + changeToken + `","password":"` + fixturePassword + `"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"token":{"code":"validation_invalid_token_email"`},
			AfterTestFunc: emailOf(bobID, "bob@example.com")},
		{Name: "a superuser gives bob alice's email in other capitals", Method: http.MethodPatch,
			URL: "/api/collections/users/records/" + bobID, Headers: map[string]string{"Authorization": tokens["superuser"]},
			Body:           jsonBody(`{"email":"Alice@example.com"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"email":{"code":"validation_not_unique"`},
			AfterTestFunc: emailOf(bobID, "bob@example.com")},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// BenchmarkLogin measures a password login by its outcome: a wrong
// password for an existing email should cost what an unknown email costs
// (one password check each), so that the time does not tell them apart.
func BenchmarkLogin(b *testing.B) {
	app := newTestApp(b)
	defer app.Cleanup()
	app.Settings().RateLimits.Enabled = false
	if err := app.Save(app.Settings()); err != nil {
		b.Fatal(err)
	}
	api := newAPI(b, app)
	for _, c := range []struct {
		name, email, password string
		status                int
	}{
		{"unknown email", "nobody@example.com", fixturePassword, 400},
		{"wrong password", "alice@example.com", "wrong password", 400},
		{"right password", "alice@example.com", fixturePassword, 200},
		{"blocked", "bella@example.com", fixturePassword, 403},
	} {
		body := `{"identity":"` + c.email + `","password":"` + c.password + `"}`
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if status, out := api.do("POST", "/api/collections/users/auth-with-password", "", body); status != c.status {
					b.Fatalf("status %d, want %d: %s", status, c.status, out)
				}
			}
		})
	}
}
