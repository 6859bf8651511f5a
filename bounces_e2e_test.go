package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// deliverReport plays the relay that accepted a message and learns later
// that it cannot be delivered: it sends a report to the envelope sender,
// over SMTP to the inbound listener, as Postfix does (MAIL FROM:<>). It
// returns the listener's refusal, if any.
func deliverReport(t *testing.T, addr, to string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("relay.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("", nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// postfixDSN is the report Postfix writes (the shape of
// docs' fixture ../shared/fixtures/bounces) about msg.
func postfixDSN(msg smtptest.Message, status string) string {
	return strings.ReplaceAll(`From: Mail Delivery System <MAILER-DAEMON@relay.test>
To: `+msg.From+`
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="3EE219861CE.1796451636/relay.test"

--3EE219861CE.1796451636/relay.test
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--3EE219861CE.1796451636/relay.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.test
X-Postfix-Sender: rfc822; `+msg.From+`

Final-Recipient: rfc822; `+msg.To[0]+`
Original-Recipient: rfc822;`+msg.To[0]+`
Action: failed
Status: `+status+`
Diagnostic-Code: smtp; 550 `+status+` no such user here

--3EE219861CE.1796451636/relay.test
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <`+msg.From+`>
To: <`+msg.To[0]+`>

--3EE219861CE.1796451636/relay.test--
`, "\n", "\r\n")
}

func complaint(msg smtptest.Message) string {
	return strings.ReplaceAll(`From: fbl@isp.test
To: `+msg.From+`
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain

This is an abuse report.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1
Original-Mail-From: `+msg.From+`

--ARF
Content-Type: message/rfc822

`+strings.SplitN(string(msg.Data), "\r\n\r\n", 2)[0]+`

(body removed)
--ARF--
`, "\n", "\r\n")
}

// A relay takes every message, then reports a bounce and a complaint
// minutes later to serve's own SMTP listener: the clients are marked and
// the owner's log shows it, while hostile mail to the listener changes
// nothing and leaves it serving.
func TestBouncesComeBackToTheListener(t *testing.T) {
	const clients = 6
	dir, _ := seeded(t, clients)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env := smtpEnv(relay.Port, 0)
	env["POSTRIDER_INBOUND_ADDR"] = inboundAddr
	env["POSTRIDER_BOUNCE_DOMAIN"] = "bounces.test"
	in := serve(t, env, dataDirFiles(t, dir, "pb_data"))

	msgs := relay.WaitFor(t, clients, 75*time.Second)
	slices.SortFunc(msgs, func(a, b smtptest.Message) int { return strings.Compare(a.To[0], b.To[0]) })
	for _, m := range msgs {
		if !strings.HasPrefix(m.From, "b-") || !strings.HasSuffix(m.From, "@bounces.test") {
			t.Fatalf("envelope sender %q: want a VERP address at the bounce domain", m.From)
		}
	}
	gone, soft, complained := msgs[0], msgs[1], msgs[2]

	if err := deliverReport(t, inboundAddr, gone.From, postfixDSN(gone, "5.1.1")); err != nil {
		t.Fatalf("the listener refused a bounce: %v", err)
	}
	if err := deliverReport(t, inboundAddr, soft.From, postfixDSN(soft, "5.2.2")); err != nil {
		t.Fatalf("the listener refused a soft bounce: %v", err)
	}
	if err := deliverReport(t, inboundAddr, complained.From, complaint(complained)); err != nil {
		t.Fatalf("the listener refused a complaint: %v", err)
	}

	// hostile or stray mail: refused or taken, never a change
	other := msgs[3]
	forged := strings.Replace(other.From, "@", "x@", 1)
	var refusal *smtp.SMTPError
	if err := deliverReport(t, inboundAddr, "b-x@elsewhere.test", postfixDSN(other, "5.1.1")); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("mail for another domain: %v, want 550", err)
	}
	if err := deliverReport(t, inboundAddr, forged, postfixDSN(smtptest.Message{From: forged, To: other.To}, "5.1.1")); err != nil {
		t.Errorf("a forged token: %v (taken and dropped, not refused: a sender learns nothing)", err)
	}
	if err := deliverReport(t, inboundAddr, "postmaster@bounces.test", "Subject: hi\r\n\r\nno report here\r\n"); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("mail that is no report: %v, want 550", err)
	}
	if err := deliverReport(t, inboundAddr, "postmaster@bounces.test", "Content-Type: multipart/report; boundary=\r\n\r\n--\r\n"); !errors.As(err, &refusal) || refusal.Code != 550 {
		t.Errorf("malformed MIME: %v, want 550", err)
	}
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 998)+"\r\n", 50<<10) // 50 MB
	if err := deliverReport(t, inboundAddr, other.From, big); !errors.As(err, &refusal) || refusal.Code != 552 {
		t.Errorf("a 50 MB message: %v, want 552", err)
	}

	// what the owner sees
	auth := in.must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	client := func(email string) map[string]any {
		page := in.must(200, "GET", "/api/collections/clients/records?filter="+url.QueryEscape(fmt.Sprintf("email=%q", email)), token, nil)
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
	log := in.must(200, "GET", "/api/postrider/deliveries/log?perPage=50", token, nil)
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
	if err := deliverReport(t, inboundAddr, gone.From, postfixDSN(gone, "5.1.1")); err != nil {
		t.Errorf("the listener after hostile mail: %v", err)
	}
}
