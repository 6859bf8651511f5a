package dispatch_test

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// A mailing's messages are from its verified sender's name "via" the
// service, with replies to the sender; without one (none chosen, or one
// unverified since), from the owner's name via the service with replies
// to the owner's confirmed email. The address, the envelope and the
// Message-ID's domain stay the service's. The test send and the preview
// carry the same From and Reply-To as the run.
func TestMessagesAreFromTheMailingsSender(t *testing.T) {
	w := newWorld(t)
	w.user.Set("name", "Анна Smith")
	if err := w.app.Save(w.user); err != nil {
		t.Fatal(err)
	}
	desk := w.save("senders", map[string]any{"owner": w.user.Id, "name": `Ёлка, "News"`, "email": "desk@elka.example",
		"reply_to": "replies@elka.example", "verified": true})
	plain := w.save("senders", map[string]any{"owner": w.user.Id, "name": "Plain Desk", "email": "plain@elka.example", "verified": true})
	moved := w.save("senders", map[string]any{"owner": w.user.Id, "name": "Moved Desk", "email": "old@elka.example", "verified": true})

	mailingTo := func(email string, sender *core.Record) *core.Record {
		c := w.save("clients", map[string]any{"owner": w.user.Id, "email": email})
		data := map[string]any{"owner": w.user.Id, "subject": "News", "body": "<p>Hello</p>", "clients": []string{c.Id}}
		if sender != nil {
			data["sender"] = sender.Id
		}
		m := w.save("mailings", data)
		w.window(m, w.now, w.now.Add(time.Hour), "once")
		return m
	}
	withDesk := mailingTo("a@example.org", desk)
	mailingTo("b@example.org", plain)
	mailingTo("c@example.org", nil)
	mailingTo("d@example.org", moved)
	// the sender's address changes after its mailing chose it: unverified
	moved.Set("email", "new@elka.example")
	if err := w.app.Save(moved); err != nil {
		t.Fatal(err)
	}

	if s := w.mustPass(dispatch.Options{}); s.Sent != 4 {
		t.Fatalf("summary %s", s)
	}
	type want struct{ name, replyTo string }
	cases := map[string]want{
		"a@example.org": {`Ёлка, "News" via Postrider News`, "replies@elka.example"},
		"b@example.org": {"Plain Desk via Postrider News", "plain@elka.example"},
		"c@example.org": {"Анна Smith via Postrider News", "owner@example.com"},
		"d@example.org": {"Анна Smith via Postrider News", "owner@example.com"},
	}
	got := w.sent()
	for to, c := range cases {
		msg, ok := got[to]
		if !ok {
			t.Fatalf("no message to %s", to)
		}
		checkFrom(t, to, msg.Header, c.name, c.replyTo)
		if id := msg.Header.Get("Message-ID"); !strings.HasSuffix(id, "@postrider.test>") {
			t.Errorf("to %s: Message-ID %q is not of the From domain", to, id)
		}
	}
	for _, m := range w.smtp.Messages() {
		if m.From != "news@postrider.test" {
			t.Errorf("to %v: MAIL FROM %q, want the service's address", m.To, m.From)
		}
	}

	// the test send and the preview of the sender's mailing say the same
	if err := dispatch.SendTest(w.app, dispatch.Options{}, withDesk, dispatch.SampleClient, mail.Address{Address: "owner@example.com"}); err != nil {
		t.Fatal(err)
	}
	checkFrom(t, "the test send", w.sent()["owner@example.com"].Header, `Ёлка, "News" via Postrider News`, "replies@elka.example")
	p, err := dispatch.Preview(w.app, withDesk, dispatch.SampleClient)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != `Ёлка, "News" via Postrider News <news@postrider.test>` || p.ReplyTo != "replies@elka.example" {
		t.Errorf("the preview shows From %q, Reply-To %q", p.From, p.ReplyTo)
	}
}

// checkFrom reads From and Reply-To back as a mail client does (RFC 2047
// names decoded), and fails t unless they are name at the service's
// address and replyTo.
func checkFrom(t *testing.T, which string, h mail.Header, name, replyTo string) {
	t.Helper()
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != name || from[0].Address != "news@postrider.test" {
		t.Errorf("%s: From %q reads as %v (%v), want %q <news@postrider.test>", which, h.Get("From"), from, err, name)
	}
	if strings.ContainsAny(h.Get("From"), "Ёа") {
		t.Errorf("%s: From %q carries raw non-ASCII", which, h.Get("From"))
	}
	reply, err := h.AddressList("Reply-To")
	if err != nil || len(reply) != 1 || reply[0].Address != replyTo {
		t.Errorf("%s: Reply-To %q reads as %v (%v), want %s", which, h.Get("Reply-To"), reply, err, replyTo)
	}
}
