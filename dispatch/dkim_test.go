package dispatch_test

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/dispatch"
	"postrider/internal/dkimtest"
	"postrider/mailout"
)

func newDKIM(t *testing.T, kind string) *mailout.DKIM {
	t.Helper()
	key, _ := dkimtest.Key(t, kind)
	d, err := mailout.NewDKIM("postrider.test", "pr1", key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// With a DKIM key, every message of a run reaches the server signed, and
// the signature verifies against the published key; changed on the way it
// does not. Without one, no message carries a signature.
func TestARunWithDKIMSignsEveryMessage(t *testing.T) {
	for _, kind := range []string{"rsa", "ed25519", "off"} {
		t.Run(kind, func(t *testing.T) {
			w := newWorld(t)
			var d *mailout.DKIM
			if kind != "off" {
				d = newDKIM(t, kind)
			}
			m := w.listMailing(3)
			w.window(m, w.now, w.now.Add(time.Hour), "once")
			if s := w.mustPass(dispatch.Options{DKIM: d}); s.Sent != 3 {
				t.Fatalf("summary %s", s)
			}
			msgs := w.smtp.Messages()
			if len(msgs) != 3 {
				t.Fatalf("%d messages", len(msgs))
			}
			for _, msg := range msgs {
				signed := bytes.Contains(msg.Data, []byte("DKIM-Signature:"))
				if d == nil {
					if signed {
						t.Errorf("a message to %v is signed with DKIM off", msg.To)
					}
					continue
				}
				if _, err := dkimtest.Verify(msg.Data, d); err != nil {
					t.Fatalf("the message to %v does not verify: %v\n%s", msg.To, err, msg.Data)
				}
				altered := bytes.Replace(msg.Data, []byte("Spring is here"), []byte("Spring is gone"), 1)
				if bytes.Equal(altered, msg.Data) {
					t.Fatal("the test found nothing to alter")
				}
				if _, err := dkimtest.Verify(altered, d); err == nil {
					t.Errorf("a message altered after signing verifies")
				}
			}
		})
	}
}

// Account mail (a confirmation, a test send) goes signed too.
func TestAccountMailIsSigned(t *testing.T) {
	w := newWorld(t)
	d := newDKIM(t, "ed25519")
	err := dispatch.NewMailer(w.app, dispatch.Options{DKIM: d}).Send(&mailer.Message{
		From: mail.Address{Name: "Postrider", Address: "news@postrider.test"}, To: []mail.Address{{Address: "anna@example.org"}},
		Subject: "Confirm your address", HTML: "<p>Hello,</p>\n.\n<p>bye</p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if _, err := dkimtest.Verify(msgs[0].Data, d); err != nil {
		t.Fatalf("the account mail does not verify: %v\n%s", err, msgs[0].Data)
	}
}

// The dashboard's dkim row signs when no POSTRIDER_DKIM_* is set, and a
// key that does not parse is refused at save, naming the field.
func TestTheDashboardsDKIMRowSigns(t *testing.T) {
	w := newWorld(t)
	key, pemKey := dkimtest.Key(t, "rsa")
	d, _ := mailout.NewDKIM("postrider.test", "dash", key)

	col, _ := w.app.FindCollectionByNameOrId(dispatch.DKIMCollection)
	bad := newRecord(col, map[string]any{"domain": "postrider.test", "selector": "dash", "private_key": "not a key"})
	if err := w.app.Save(bad); err == nil || !strings.Contains(err.Error(), "private_key") {
		t.Fatalf("a bad key saved: %v", err)
	}
	w.save(dispatch.DKIMCollection, map[string]any{"domain": "postrider.test", "selector": "dash", "private_key": string(pemKey)})
	second := newRecord(col, map[string]any{"domain": "other.test", "selector": "x", "private_key": string(pemKey)})
	if err := w.app.Save(second); err == nil {
		t.Fatal("a second dkim row saved")
	}

	m := w.listMailing(1)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
	msgs := w.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if _, err := dkimtest.Verify(msgs[0].Data, d); err != nil {
		t.Fatalf("the run's message does not verify with the dashboard's key: %v", err)
	}
}

func newRecord(col *core.Collection, data map[string]any) *core.Record {
	r := core.NewRecord(col)
	r.Load(data)
	return r
}

// A header a mail client shows or acts on cannot be added on the way: a
// second List-Unsubscribe (a link of someone else's), List-Unsubscribe-Post,
// From, Subject, To or Date put on top of a run's signed message breaks
// its signature (they are oversigned, RFC 6376 §8.15), while the message as
// sent still verifies.
func TestAHeaderAddedInTransitBreaksTheSignature(t *testing.T) {
	w := newWorld(t)
	d := newDKIM(t, "ed25519")
	m := w.listMailing(1)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if s := w.mustPass(dispatch.Options{DKIM: d}); s.Sent != 1 {
		t.Fatalf("summary %s", s)
	}
	signed := w.smtp.Messages()[0].Data
	if _, err := dkimtest.Verify(signed, d); err != nil {
		t.Fatalf("the message as sent does not verify: %v\n%s", err, signed)
	}
	for _, added := range []string{
		"List-Unsubscribe: <https://evil.example/unsubscribe>",
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
		"From: Your Bank <alerts@bank.example>",
		"Subject: Urgent: confirm your account",
		"To: someone@example.net",
		"Date: Mon, 01 Jan 2029 00:00:00 +0000",
	} {
		altered := append([]byte(added+"\r\n"), signed...)
		if _, err := dkimtest.Verify(altered, d); err == nil {
			t.Errorf("the message verifies with %q added in transit", added)
		}
	}
}
