package dispatch_test

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// пример.рф in ASCII
const idnDomain = "xn--e1afmkfd.xn--p1ai"

// idnMailing sends one mailing to an ASCII mailbox at an internationalized
// domain and to a mailbox whose local part is not ASCII, through srv.
func idnMailing(t *testing.T, srv *smtptest.Server) (*world, *core.Record) {
	w := newWorld(t)
	s := w.app.Settings()
	s.SMTP.Port = srv.Port
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}
	w.smtp = srv
	a := w.save("clients", map[string]any{"owner": w.user.Id, "email": "anna@пример.рф", "name": "Anna"})
	b := w.save("clients", map[string]any{"owner": w.user.Id, "email": "иван@пример.рф", "name": "Иван"})
	m := w.mailing(nil, []string{a.Id, b.Id})
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
	return w, m
}

// toHeader reads the To: address of a message as a mail client does.
func toHeader(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To: %q: %v", msg.Header.Get("To"), err)
	}
	return to[0].Address
}

// A server without SMTPUTF8 gets the domain in punycode, in RCPT TO and in
// To:, and never an address whose local part is not ASCII: that delivery
// fails at once with a reply that says why and reads as no refusal of
// the mailbox.
func TestInternationalDomainsGoOutInPunycode(t *testing.T) {
	srv := smtptest.Start(t)
	w, m := idnMailing(t, srv)

	msgs := srv.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "anna@"+idnDomain || msgs[0].UTF8 {
		var envelopes []string
		for _, m := range msgs {
			envelopes = append(envelopes, strings.Join(m.To, ","))
		}
		t.Fatalf("the server got %d messages, to %v", len(msgs), envelopes)
	}
	if got := toHeader(t, msgs[0].Data); got != "anna@"+idnDomain {
		t.Fatalf("To: %q", got)
	}
	for to := range srv.Tries() {
		if strings.Contains(to, "иван") {
			t.Fatalf("the server was asked for %q without SMTPUTF8", to)
		}
	}
	var ivan string
	for _, d := range w.deliveries(m) {
		if d.GetString("email") == "иван@пример.рф" {
			if d.GetString("status") != "failed" {
				t.Fatalf("иван's delivery is %s", d.GetString("status"))
			}
			ivan = d.GetString("response")
		}
	}
	if !strings.HasPrefix(ivan, "not sent: ") || !strings.Contains(ivan, "SMTPUTF8") {
		t.Fatalf("иван's delivery says %q", ivan)
	}
}

// A server that offers SMTPUTF8 gets the local part as it is, with
// SMTPUTF8 in MAIL FROM; the domain still in punycode.
func TestANonASCIILocalPartGoesWithSMTPUTF8(t *testing.T) {
	srv := smtptest.StartSMTPUTF8(t)
	idnMailing(t, srv)
	got := map[string]bool{}
	for _, m := range srv.Messages() {
		if len(m.To) != 1 {
			t.Fatalf("recipients %v", m.To)
		}
		to := m.To[0]
		got[to] = true
		if wantUTF8 := strings.HasPrefix(to, "иван"); m.UTF8 != wantUTF8 {
			t.Fatalf("to %s: SMTPUTF8 %v", to, m.UTF8)
		}
		if h := toHeader(t, m.Data); h != to {
			t.Fatalf("To: %q, envelope %q", h, to)
		}
	}
	if !got["anna@"+idnDomain] || !got["иван@"+idnDomain] || len(got) != 2 {
		t.Fatalf("the server got %v", got)
	}
}

// Account mail (PocketBase's, through the dispatcher's client) takes the
// same road: punycode in RCPT TO and in To:.
func TestAccountMailToAnInternationalDomain(t *testing.T) {
	w := newWorld(t)
	err := dispatch.NewMailer(w.app, dispatch.Options{}).Send(&mailer.Message{
		From: mail.Address{Address: "news@postrider.test"}, To: []mail.Address{{Name: "Anna", Address: "anna@пример.рф"}},
		Subject: "Confirm", Text: "Hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := w.smtp.WaitFor(t, 1, 10*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "anna@"+idnDomain || toHeader(t, m.Data) != "anna@"+idnDomain {
		t.Fatalf("envelope %v, To: %q", m.To, toHeader(t, m.Data))
	}
}
