package dispatch

import (
	"errors"
	"fmt"
	"net/url"
	"postrider/internal/e2e"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// A relay takes every message, then reports a bounce and a complaint
// minutes later to serve's own SMTP listener: the clients are marked and
// the owner's log shows it, while hostile mail to the listener changes
// nothing and leaves it serving.
func TestBouncesComeBackToTheListener(t *testing.T) {
	const clients = 6
	dir, _ := e2e.Seeded(t, clients)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(e2e.FreePort(t))
	env := e2e.SMTPEnv(relay.Port, 0)
	env["POSTRIDER_INBOUND_ADDR"] = inboundAddr
	env["POSTRIDER_BOUNCE_DOMAIN"] = "bounces.test"
	in := e2e.Serve(t, env, e2e.DataDirFiles(t, dir, "pb_data"))

	msgs := relay.WaitFor(t, clients, 75*time.Second)
	slices.SortFunc(msgs, func(a, b smtptest.Message) int { return strings.Compare(a.To[0], b.To[0]) })
	for _, m := range msgs {
		if !strings.HasPrefix(m.From, "b-") || !strings.HasSuffix(m.From, "@bounces.test") {
			t.Fatalf("envelope sender %q: want a VERP address at the bounce domain", m.From)
		}
	}
	gone, soft, complained := msgs[0], msgs[1], msgs[2]

	if err := e2e.DeliverReport(t, inboundAddr, gone.From, e2e.PostfixDSN(gone, "5.1.1")); err != nil {
		t.Fatalf("the listener refused a bounce: %v", err)
	}
	if err := e2e.DeliverReport(t, inboundAddr, soft.From, e2e.PostfixDSN(soft, "5.2.2")); err != nil {
		t.Fatalf("the listener refused a soft bounce: %v", err)
	}
	if err := e2e.DeliverReport(t, inboundAddr, complained.From, e2e.ARFComplaint(complained)); err != nil {
		t.Fatalf("the listener refused a complaint: %v", err)
	}

	// hostile or stray mail: refused or taken, never a change
	other := msgs[3]
	forged := strings.Replace(other.From, "@", "x@", 1)
	var refusal *smtp.SMTPError
	if err := e2e.DeliverReport(t, inboundAddr, "b-x@elsewhere.test", e2e.PostfixDSN(other, "5.1.1")); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("mail for another domain: %v, want 550", err)
	}
	if err := e2e.DeliverReport(t, inboundAddr, forged, e2e.PostfixDSN(smtptest.Message{From: forged, To: other.To}, "5.1.1")); err != nil {
		t.Errorf("a forged token: %v (taken and dropped, not refused: a sender learns nothing)", err)
	}
	if err := e2e.DeliverReport(t, inboundAddr, "postmaster@bounces.test", "Subject: hi\r\n\r\nno report here\r\n"); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("mail that is no report: %v, want 550", err)
	}
	if err := e2e.DeliverReport(t, inboundAddr, "postmaster@bounces.test", "Content-Type: multipart/report; boundary=\r\n\r\n--\r\n"); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("malformed MIME: %v, want 550", err)
	}
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 998)+"\r\n", 50<<10) // 50 MB
	if err := e2e.DeliverReport(t, inboundAddr, other.From, big); !errors.As(err, &refusal) || refusal.Code != 552 {
		t.Errorf("a 50 MB message: %v, want 552", err)
	}

	// what the owner sees
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	client := func(email string) map[string]any {
		page := in.Must(200, "GET", "/api/collections/clients/records?filter="+url.QueryEscape(fmt.Sprintf("email=%q", email)), token, nil)
		items, _ := page["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("client %s: %v", email, page)
		}
		return items[0].(map[string]any)
	}
	if c := client(gone.To[0]); c["bouncing"] != true {
		t.Errorf("the hard-bounced client is not marked bouncing: %v", c)
	}
	if c := client(soft.To[0]); c["bouncing"] != false {
		t.Errorf("one soft bounce marked the client: %v", c)
	}
	if c := client(complained.To[0]); c["unsubscribed"] != true || c["unsubscribed_reason"] != "complaint" {
		t.Errorf("the complaint did not unsubscribe the client: %v", c)
	}
	for _, m := range msgs[3:] {
		if c := client(m.To[0]); c["bouncing"] != false || c["unsubscribed"] != false {
			t.Errorf("client %s changed by mail that was not about it: %v", m.To[0], c)
		}
	}
	log := in.Must(200, "GET", "/api/postrider/deliveries/log?perPage=50", token, nil)
	items, _ := log["items"].([]any)
	seen := map[string]string{}
	for _, it := range items {
		row := it.(map[string]any)
		seen[row["email"].(string)] = fmt.Sprint(row["bounce"], " ", row["bounce_reply"])
	}
	want := map[string]string{
		gone.To[0]:       "hard 550 5.1.1 no such user here",
		soft.To[0]:       "soft 550 5.2.2 no such user here",
		complained.To[0]: "complaint feedback-type: abuse",
		other.To[0]:      " ",
	}
	for email, w := range want {
		if seen[email] != w {
			t.Errorf("the log shows %q for %s, want %q", seen[email], email, w)
		}
	}
	// the listener still serves after all that
	if err := e2e.DeliverReport(t, inboundAddr, gone.From, e2e.PostfixDSN(gone, "5.1.1")); err != nil {
		t.Errorf("the listener after hostile mail: %v", err)
	}
}
