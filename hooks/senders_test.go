package hooks_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
	"postrider/mailout"
)

// TestSenderAccess: a user sees and changes only their own senders, and
// never their verification, which the link mailed to the address alone
// gives (DESIGN.md "Senders and bounces"); a mailing names only a verified
// sender of its owner.
func TestSenderAccess(t *testing.T) {
	t.Parallel()
	n := fixtureCount["senders"]
	calls := ownedCalls("senders", "sender", []string{aliceSender, aliceSenderNew}, []string{bobSender},
		map[string]any{"name": "News desk", "email": "news@desk.example"}, "name", "alice desk")
	calls = append(calls,
		createCall("senders", "alice", "asking to be verified starts unverified",
			map[string]any{"name": "Desk", "email": "x@desk.example", "verified": true, "verified_at": "2026-01-01 00:00:00.000Z"}, 200).
			expect(`"verified":false`, `"verified_at":""`).
			then(createdWith("senders", map[string]any{"verified": false, "owner": aliceID}), mailedTo("x@desk.example")),
		createCall("senders", "alice", "with a name of two lines is refused",
			map[string]any{"name": "Desk\nBank", "email": "x@desk.example"}, 400).
			expect(`"data":{"name":`).then(countIs("senders", n), mailedTo()),
		updateCall("senders", aliceSenderNew, "alice", "verifying it herself", map[string]any{"verified": true}, 400).
			expect(`"data":{"verified":{"code":"validation_system_field"`).then(fieldIs("senders", aliceSenderNew, "verified", false)),
		updateCall("senders", aliceSender, "alice", "setting verified_at", map[string]any{"verified_at": "2020-01-01 00:00:00.000Z"}, 400).
			expect(`"data":{"verified_at":`).then(fieldIs("senders", aliceSender, "verified", true)),
		updateCall("senders", aliceSender, "alice", "changing the address", map[string]any{"email": "other@alice.example"}, 200).
			expect(`"verified":false`).then(fieldIs("senders", aliceSender, "verified", false), mailedTo("other@alice.example")),
		updateCall("senders", aliceSender, "alice", "changing the address's letter case only", map[string]any{"email": "Desk@Alice.example"}, 200).
			expect(`"verified":true`).then(fieldIs("senders", aliceSender, "verified", true), mailedTo()),
		updateCall("senders", aliceSender, "alice", "giving it to bob", map[string]any{"owner": bobID}, 400).
			expect(`"data":{"owner":`).then(fieldIs("senders", aliceSender, "owner", aliceID)),
		updateCall("senders", aliceSenderNew, "superuser", "verifying it", map[string]any{"verified": true}, 200).
			then(fieldIs("senders", aliceSenderNew, "verified", true)),

		createCall("mailings", "alice", "with her verified sender",
			map[string]any{"subject": "S", "body": "<p>B</p>", "lists": []string{aliceList}, "sender": aliceSender}, 200).
			then(createdWith("mailings", map[string]any{"sender": aliceSender})),
		createCall("mailings", "alice", "with her unverified sender",
			map[string]any{"subject": "S", "body": "<p>B</p>", "lists": []string{aliceList}, "sender": aliceSenderNew}, 400).
			expect(`"sender":{"code":"validation_sender_unverified"`).then(countIs("mailings", fixtureCount["mailings"])),
		createCall("mailings", "alice", "with bob's sender",
			map[string]any{"subject": "S", "body": "<p>B</p>", "lists": []string{aliceList}, "sender": bobSender}, 400).
			expect(`"sender":{"code":"validation_not_owner"`).then(countIs("mailings", fixtureCount["mailings"])),
		updateCall("mailings", bobMailing, "bob", "naming alice's sender", map[string]any{"sender": aliceSender}, 400).
			expect(`"sender":{"code":"validation_not_owner"`).then(fieldIs("mailings", bobMailing, "sender", "")),
		updateCall("mailings", aliceMailing, "alice", "naming her verified sender", map[string]any{"sender": aliceSender}, 200).
			then(fieldIs("mailings", aliceMailing, "sender", aliceSender)),
		updateCall("mailings", aliceMailing, "superuser", "naming bob's sender for alice", map[string]any{"sender": bobSender}, 400).
			expect(`"sender":{"code":"validation_not_owner"`).then(fieldIs("mailings", aliceMailing, "sender", "")),
	)
	for _, c := range calls {
		s := c.scenario()
		s.Test(t)
	}
}

// mailedTo: the confirmation mails the request sent went to exactly these
// addresses (none when none are named).
func mailedTo(addresses ...string) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		var got []string
		for _, m := range app.TestMailer.Messages() {
			for _, to := range m.To {
				got = append(got, to.Address)
			}
		}
		if strings.Join(got, ",") != strings.Join(addresses, ",") {
			t.Errorf("mail went to %v, want %v", got, addresses)
		}
	}
}

var confirmLink = regexp.MustCompile(`https?://[^\s"<>]*/senders/confirm/([A-Za-z0-9._-]+)`)

// TestSenderConfirmation walks the link as its recipient would: the mail
// carries the address and the service's words only, opening the link
// (GET, HEAD: scanners do) changes nothing, the page's button verifies,
// and a link mailed before the address changed no longer works.
func TestSenderConfirmation(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	verified := func(want bool) {
		t.Helper()
		s, err := app.FindRecordById("senders", aliceSenderNew)
		if err != nil {
			t.Fatal(err)
		}
		if s.GetBool("verified") != want || s.GetDateTime("verified_at").IsZero() == want {
			t.Fatalf("verified = %v (at %q), want %v", s.GetBool("verified"), s.GetString("verified_at"), want)
		}
	}
	resend := "/api/postrider/senders/" + aliceSenderNew + "/verify"

	// "send again" asks for a new link: mailed to the address alone
	a.expect("alice asks for a new link", 200, "POST", resend, tokens["alice"], "", `"sent_to":"new@alice.example"`)
	if app.TestMailer.TotalSend() != 1 {
		t.Fatalf("%d mails sent, want 1", app.TestMailer.TotalSend())
	}
	m := app.TestMailer.LastMessage()
	if len(m.To) != 1 || m.To[0].Address != "new@alice.example" || m.To[0].Name != "" {
		t.Fatalf("the link went to %v", m.To)
	}
	for _, part := range []string{m.HTML, m.Text, m.Subject} {
		// the sender's name and the owner's are user text: a stranger's
		// mailbox gets none of it
		if strings.Contains(part, "alice new") || strings.Contains(part, aliceID) {
			t.Fatalf("the confirmation mail carries the user's text: %q", part)
		}
	}
	if !strings.Contains(m.Text, "new@alice.example") || !strings.Contains(m.HTML, "Подтвердить этот адрес") {
		t.Fatalf("the mail names no address or lacks a language: %q", m.Text)
	}
	found := confirmLink.FindStringSubmatch(m.Text)
	if found == nil {
		t.Fatalf("no confirmation link in %q", m.Text)
	}
	page := "/senders/confirm/" + found[1]

	a.expect("bob asks for alice's link", 404, "POST", resend, tokens["bob"], "")
	a.expect("a visitor asks for it", 401, "POST", resend, "", "")
	a.expect("alice asks again at once", 429, "POST", resend, tokens["alice"], "")
	if app.TestMailer.TotalSend() != 1 {
		t.Fatalf("%d mails sent, want still 1", app.TestMailer.TotalSend())
	}

	a.expect("a scanner's HEAD", 200, "HEAD", page, "", "")
	verified(false)
	req := httptest.NewRequest("GET", page, nil)
	req.Header.Set("Accept-Language", "ru-RU,ru;q=0.9")
	if status, body := a.serve(req); status != 200 || !strings.Contains(body, `lang="ru"`) || !strings.Contains(body, "new@alice.example") ||
		!strings.Contains(body, `<button type="submit" id="confirm">Подтвердить</button>`) {
		t.Fatalf("the page in Russian: %d %s", status, body)
	}
	verified(false)
	out := a.expect("a forged token", 404, "POST", "/senders/confirm/"+aliceSenderNew+".zzzzzz.AAAAAAAAAAAAAAAAAAAAAAAA", "", "", "not valid")
	if strings.Contains(out, "new@alice.example") {
		t.Fatalf("the page of a forged link names the address: %s", out)
	}
	verified(false)
	a.expect("the button", 200, "POST", page, "", "", "new@alice.example is confirmed")
	verified(true)
	a.expect("a verified sender needs no new link", 400, "POST", resend, tokens["alice"], "", "validation_sender_verified")

	// a new address: unverified, and the old link confirms nothing
	a.expect("alice changes the address", 200, "PATCH", "/api/collections/senders/records/"+aliceSenderNew, tokens["alice"],
		`{"email":"moved@alice.example"}`, `"verified":false`)
	verified(false)
	if last := app.TestMailer.LastMessage(); app.TestMailer.TotalSend() != 2 || last.To[0].Address != "moved@alice.example" {
		t.Fatalf("the new address got no link (%d mails)", app.TestMailer.TotalSend())
	}
	a.expect("the old link after the change", 404, "POST", page, "", "", "not valid")
	verified(false)
}

// TestMailingOfAnUnverifiedSender: a sender unverified after its mailing
// chose it leaves the mailing editable, and the mailing goes out as its
// owner (the preview shows what goes out).
func TestMailingOfAnUnverifiedSender(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	s := app.Settings()
	s.Meta.SenderName, s.Meta.SenderAddress = "Postrider", "noreply@postrider.example"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	mailing, err := app.FindRecordById("mailings", aliceMailing)
	if err != nil {
		t.Fatal(err)
	}
	mailing.Set("sender", aliceSender)
	if err := app.Save(mailing); err != nil {
		t.Fatal(err)
	}
	msg, err := dispatch.Preview(app, mailing, dispatch.SampleClient)
	if err != nil {
		t.Fatal(err)
	}
	if msg.From != "alice desk via Postrider <noreply@postrider.example>" || msg.ReplyTo != "desk@alice.example" {
		t.Fatalf("with its verified sender: From %q, Reply-To %q", msg.From, msg.ReplyTo)
	}
	// the unsubscribe page names the sender as the message did
	secret, err := mailout.UnsubscribeSecret(app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	newAPI(t, app).expect("the unsubscribe page", 200, "GET", "/unsubscribe/"+mailout.UnsubscribeToken(secret, aliceClient, aliceMailing), "", "",
		`<dd id="sender">alice desk via Postrider</dd>`)

	sender, err := app.FindRecordById("senders", aliceSender)
	if err != nil {
		t.Fatal(err)
	}
	sender.Set("email", "elsewhere@alice.example")
	if err := app.Save(sender); err != nil {
		t.Fatal(err)
	}
	if mailing, err = app.FindRecordById("mailings", aliceMailing); err != nil {
		t.Fatal(err)
	}
	mailing.Set("subject", "Still editable")
	if err := app.Save(mailing); err != nil {
		t.Fatalf("a mailing whose sender was unverified since cannot be saved: %v", err)
	}
	if msg, err = dispatch.Preview(app, mailing, dispatch.SampleClient); err != nil {
		t.Fatal(err)
	}
	if msg.From != aliceID+" via Postrider <noreply@postrider.example>" || msg.ReplyTo != "alice@example.com" {
		t.Fatalf("with its sender unverified: From %q, Reply-To %q", msg.From, msg.ReplyTo)
	}

	// deleted: the mailing forgets it
	if err := app.Delete(sender); err != nil {
		t.Fatal(err)
	}
	if mailing, err = app.FindRecordById("mailings", aliceMailing); err != nil || mailing.GetString("sender") != "" {
		t.Fatalf("after the sender's deletion the mailing names %q (%v)", mailing.GetString("sender"), err)
	}
}
