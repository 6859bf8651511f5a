package dispatch_test

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/dkimtest"
	"postrider/mailout"
)

// A mailing's messages are from its verified sender's name "via" the
// service, with replies to the sender; without one (none chosen, or one
// unverified since), from the owner's name via the service with replies
// to the owner's confirmed email. The address, the envelope (a VERP
// address) and the Message-ID's domain stay the service's. The test send and the preview
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
	for _, m := range w.smtp.Messages() { // the service's VERP address, whoever the From (verp.go)
		if !strings.HasPrefix(m.From, "b-") || strings.Contains(m.From, "elka.example") {
			t.Errorf("to %v: MAIL FROM %q, want the service's VERP address", m.To, m.From)
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

// A sender on a verified domain of its owner sends as itself: From its own
// address, a DKIM signature with d= its domain (aligned with From, as
// DMARC wants) beside the service's, a Message-ID on its domain, the same
// one the log keeps; the test send is signed the same way. A sender on a
// domain not verified, or another user's, still goes via the service.
func TestASenderOnAVerifiedDomainSendsAsItself(t *testing.T) {
	w := newWorld(t)
	serviceKey, _ := dkimtest.Key(t, "rsa")
	service, err := mailout.NewDKIM("postrider.test", "svc", serviceKey)
	if err != nil {
		t.Fatal(err)
	}
	domain := w.reload(w.save("domains", map[string]any{"owner": w.user.Id, "domain": "Shop.Example"}))
	domain.Set("verified", true)
	domain.Set("dkim_ok", true)
	if err := w.app.Save(domain); err != nil {
		t.Fatal(err)
	}
	other := w.newUser("other@example.com", "UTC")
	w.save("domains", map[string]any{"owner": other.Id, "domain": "elsewhere.example"}) // not verified, not the owner's
	own := w.save("senders", map[string]any{"owner": w.user.Id, "name": "Shop News", "email": "news@shop.example", "verified": true})
	foreign := w.save("senders", map[string]any{"owner": w.user.Id, "name": "Elsewhere", "email": "desk@elsewhere.example", "verified": true})
	mailingTo := func(email string, sender *core.Record) *core.Record {
		c := w.save("clients", map[string]any{"owner": w.user.Id, "email": email})
		m := w.save("mailings", map[string]any{"owner": w.user.Id, "subject": "News", "body": "<p>Hello</p>",
			"clients": []string{c.Id}, "sender": sender.Id})
		w.window(m, w.now, w.now.Add(time.Hour), "once")
		return m
	}
	shop := mailingTo("a@example.org", own)
	mailingTo("b@example.org", foreign)
	if s := w.mustPass(dispatch.Options{DKIM: service}); s.Sent != 2 {
		t.Fatalf("summary %s", s)
	}
	key, ok, err := dispatch.VerifiedDomainKey(w.app, w.user.Id, "shop.example")
	if err != nil || !ok {
		t.Fatalf("the shop's key: %v %v", ok, err)
	}
	var raw = map[string][]byte{}
	for _, m := range w.smtp.Messages() {
		raw[m.To[0]] = m.Data
	}
	got := w.sent()
	a := got["a@example.org"]
	from, err := a.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "news@shop.example" || from[0].Name != "Shop News" {
		t.Errorf("From %q (%v), want Shop News <news@shop.example>", a.Header.Get("From"), err)
	}
	if r := a.Header.Get("Reply-To"); r != "" {
		t.Errorf("Reply-To %q, want none: replies go to the From", r)
	}
	if err := verifyBoth(raw["a@example.org"], key, service); err != nil {
		t.Errorf("the shop's message: %v", err)
	}
	id := a.Header.Get("Message-ID")
	if !strings.HasSuffix(id, "@shop.example>") {
		t.Errorf("Message-ID %q is not on the From's domain", id)
	}
	if d := w.deliveries(shop)[0]; d.GetString("message_id") != id {
		t.Errorf("the log keeps Message-ID %q, the message carries %q", d.GetString("message_id"), id)
	}
	checkFrom(t, "a sender on a domain not verified", got["b@example.org"].Header, "Elsewhere via Postrider News", "desk@elsewhere.example")

	if err := dispatch.SendTest(w.app, dispatch.Options{DKIM: service}, shop, dispatch.SampleClient, mail.Address{Address: "owner@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range w.smtp.Messages() {
		if m.To[0] == "owner@example.com" {
			if err := verifyBoth(m.Data, key, service); err != nil {
				t.Errorf("the test send: %v", err)
			}
		}
	}
}

// verifyBoth checks that raw carries two DKIM signatures that pass: d= the
// sender's domain with its key, and the service's.
func verifyBoth(raw []byte, domain, service *mailout.DKIM) error {
	keys := map[string]string{domain.TXTName(): domain.TXTRecord(), service.TXTName(): service.TXTRecord()}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if txt, ok := keys[name]; ok {
				return []string{txt}, nil
			}
			return nil, fmt.Errorf("no TXT record at %s", name)
		},
	})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if v.Err != nil {
			return fmt.Errorf("d=%s: %w", v.Domain, v.Err)
		}
		seen[v.Domain] = true
	}
	if len(vs) != 2 || !seen[domain.Domain] || !seen[service.Domain] {
		return fmt.Errorf("%d signatures passed (%v), want d=%s and d=%s", len(vs), seen, domain.Domain, service.Domain)
	}
	return nil
}
