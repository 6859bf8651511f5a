package e2e

import (
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"postrider/internal/smtptest"
)

// DeliverReport plays the relay that accepted a message and learns later
// that it cannot be delivered: it sends a report to the envelope sender,
// over SMTP to the inbound listener, as Postfix does (MAIL FROM:<>). It
// returns the listener's refusal, if any.
func DeliverReport(t *testing.T, addr, to string, raw string) error {
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

// PostfixDSN is the report Postfix writes (the shape of
// docs' fixture ../shared/fixtures/bounces) about msg.
func PostfixDSN(msg smtptest.Message, status string) string {
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

// ARFComplaint is the report a mailbox provider's feedback loop sends
// (ARF, RFC 5965) when its user marks msg as spam: msg's headers, no body.
func ARFComplaint(msg smtptest.Message) string {
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
