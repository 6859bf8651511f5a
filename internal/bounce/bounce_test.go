package bounce

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func parseString(t *testing.T, raw string) []Report {
	t.Helper()
	reports, err := Parse(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")), DefaultLimits)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return reports
}

func one(t *testing.T, reports []Report) Report {
	t.Helper()
	if len(reports) != 1 {
		t.Fatalf("want one report, got %d: %+v", len(reports), reports)
	}
	return reports[0]
}

// The report a real Postfix wrote after a downstream 550 5.1.1.
func TestPostfixFixture(t *testing.T) {
	raw, err := os.ReadFile("testdata/postfix-dsn-5.1.1.eml")
	if err != nil {
		t.Fatal(err)
	}
	reports, err := Parse(bytes.NewReader(raw), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	r := one(t, reports)
	if r.Kind != Hard || r.Recipient != "async2@async.example" || r.Status != "5.1.1" || r.Action != "failed" {
		t.Errorf("report = %+v", r)
	}
	if r.Diagnostic != "550 5.1.1 no such user here" {
		t.Errorf("diagnostic = %q", r.Diagnostic)
	}
	if r.MessageID != "4h5wg50a0000002@acme.example" {
		t.Errorf("message id = %q", r.MessageID)
	}
	if len(r.Tokens) != 0 {
		t.Errorf("tokens = %q: the fixture's envelope sender was no VERP address", r.Tokens)
	}
}

const eximDSN = `Return-path: <>
Envelope-to: B-AbC123-xyz@Bounces.Example
From: Mail Delivery System <Mailer-Daemon@mx.exim.example>
To: B-AbC123-xyz@Bounces.Example
Subject: Mail delivery failed: returning message to sender
Content-Type: multipart/report; report-type=delivery-status; boundary=1701234567-eximdsn-123
MIME-Version: 1.0
X-Failed-Recipients: gone@exim.example

--1701234567-eximdsn-123
Content-type: text/plain; charset=us-ascii

This message was created automatically by mail delivery software.

  gone@exim.example
    host mx.exim.example [192.0.2.1]
    SMTP error from remote mail server after RCPT TO:<gone@exim.example>:
    550 5.2.1 The email account that you tried to reach is disabled.

--1701234567-eximdsn-123
Content-type: message/delivery-status

Reporting-MTA: dns; mx.exim.example

Action: failed
Final-Recipient: rfc822;gone@exim.example
Status: 5.2.1
Remote-MTA: dns; mx.exim.example
X-Remote-MTA-smtp-greeting: X-str; 220 mx.exim.example ESMTP
Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach is
 disabled.

--1701234567-eximdsn-123
Content-type: text/rfc822-headers

Return-path: <b-abc123-xyz@bounces.example>
Message-ID: <d1@news.example>
Subject: hello

--1701234567-eximdsn-123--
`

func TestEximDSN(t *testing.T) {
	r := one(t, parseString(t, eximDSN))
	if r.Kind != Hard || r.Recipient != "gone@exim.example" || r.Status != "5.2.1" || r.MessageID != "d1@news.example" {
		t.Errorf("report = %+v", r)
	}
	if r.Diagnostic != "550 5.2.1 The email account that you tried to reach is disabled." {
		t.Errorf("diagnostic (folded over two lines) = %q", r.Diagnostic)
	}
	// some MTAs change the case of the local part: the token comes back lower case, once
	if len(r.Tokens) != 1 || r.Tokens[0] != "abc123-xyz" {
		t.Errorf("tokens = %q", r.Tokens)
	}
}

// Exchange: the delivery status in base64, the original's headers only,
// and a full mailbox (5.2.2), which is soft.
const exchangeDSN = `From: postmaster@outlook.example
To: <b-tok1@bounces.example>
Subject: Undeliverable: hello
Content-Type: multipart/report; report-type=delivery-status;
	boundary="_000_exchange_"
MIME-Version: 1.0

--_000_exchange_
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups: full@outlook.example

--_000_exchange_
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

` + "UmVwb3J0aW5nLU1UQTogZG5zO291dGxvb2suZXhhbXBsZQ0KDQpGaW5hbC1yZWNpcGllbnQ6IHJm\nYzgyMjtmdWxsQG91dGxvb2suZXhhbXBsZQ0KQWN0aW9uOiBmYWlsZWQNClN0YXR1czogNS4yLjIN\nCkRpYWdub3N0aWMtQ29kZTogc210cDs1NTIgNS4yLjIgTWFpbGJveCBmdWxsDQoNCg==" + `

--_000_exchange_
Content-Type: text/rfc822-headers

Message-ID: <d2@news.example>
From: News <news@news.example>
--_000_exchange_--
`

func TestExchangeDSN(t *testing.T) {
	r := one(t, parseString(t, exchangeDSN))
	if r.Kind != Soft || r.Recipient != "full@outlook.example" || r.Status != "5.2.2" || r.Diagnostic != "552 5.2.2 Mailbox full" {
		t.Errorf("report = %+v", r)
	}
	if r.MessageID != "d2@news.example" || len(r.Tokens) != 1 || r.Tokens[0] != "tok1" {
		t.Errorf("message id %q, tokens %q", r.MessageID, r.Tokens)
	}
}

// Gmail-style: two recipient groups, one failed, one only delayed.
const gmailDSN = `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: b-tok2@bounces.example
Subject: Delivery Status Notification (Failure)
Content-Type: multipart/report; boundary="000000000000gmail"; report-type=delivery-status

--000000000000gmail
Content-Type: multipart/related; boundary="000000000000inner"

--000000000000inner
Content-Type: text/html; charset="UTF-8"

<html>Address not found</html>
--000000000000inner--

--000000000000gmail
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Original-Envelope-Id: env-42

Final-Recipient: rfc822; nobody@gmail.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does
 not exist.

Final-Recipient: rfc822; slow@gmail.example
Action: delayed
Status: 4.4.1

--000000000000gmail
Content-Type: message/rfc822

Message-ID: <d3@news.example>
Return-Path: <b-tok2@bounces.example>

body
--000000000000gmail--
`

func TestGmailDSN(t *testing.T) {
	r := one(t, parseString(t, gmailDSN)) // the delay is no failure (yet)
	if r.Kind != Hard || r.Recipient != "nobody@gmail.example" || r.EnvelopeID != "env-42" || r.MessageID != "d3@news.example" {
		t.Errorf("report = %+v", r)
	}
	if len(r.Tokens) != 1 || r.Tokens[0] != "tok2" {
		t.Errorf("tokens = %q", r.Tokens)
	}
}

// RFC 6533: a UTF-8 DSN with an escaped UTF-8 address, and a policy refusal.
const utf8DSN = `From: MAILER-DAEMON@mx.example
To: b-tok3@bounces.example
Content-Type: multipart/report; report-type=global-delivery-status; boundary=b

--b
Content-Type: message/global-delivery-status

Reporting-MTA: dns; mx.example

Original-Recipient: utf-8; j\x{00F8}rn@mx.example
Final-Recipient: rfc822; jorn@mx.example
Action: failed
Status: 5.7.1
Diagnostic-Code: smtp; 550 5.7.1 refused by policy

--b--
`

func TestUTF8DSN(t *testing.T) {
	r := one(t, parseString(t, utf8DSN))
	if r.Recipient != "jørn@mx.example" || r.Kind != Soft || r.Status != "5.7.1" {
		t.Errorf("report = %+v (a policy refusal is not the address's fault: soft)", r)
	}
}

const arf = `From: feedback@fbl.example
To: b-tok4@bounces.example
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="part"

--part
Content-Type: text/plain

This is an email abuse report.

--part
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeFBL/1.0
Version: 1
Original-Mail-From: <b-tok4@bounces.example>
Arrival-Date: Thu, 8 Mar 2026 14:00:00 EDT

--part
Content-Type: message/rfc822
Content-Disposition: inline

From: News <news@news.example>
To: reader@fbl.example
Message-ID: <d4@news.example>
Subject: hello

hi
--part--
`

func TestARF(t *testing.T) {
	r := one(t, parseString(t, arf))
	// the provider redacted Original-Rcpt-To: the enclosed message's To names the complainant
	if r.Kind != Complaint || r.Recipient != "reader@fbl.example" || r.MessageID != "d4@news.example" || r.Diagnostic != "feedback-type: abuse" {
		t.Errorf("report = %+v", r)
	}
	if len(r.Tokens) != 1 || r.Tokens[0] != "tok4" {
		t.Errorf("tokens = %q", r.Tokens)
	}
	// a DMARC failure report in the same format is no complaint
	if got := parseString(t, strings.Replace(arf, "Feedback-Type: abuse", "Feedback-Type: auth-failure", 1)); len(got) != 0 {
		t.Errorf("auth-failure report read as %+v", got)
	}
}

func TestEximWithoutDSN(t *testing.T) {
	raw := `From: Mail Delivery System <Mailer-Daemon@old.example>
To: b-tok5@bounces.example
X-Failed-Recipients: lost@old.example
Subject: Mail delivery failed

  lost@old.example
    550 5.1.1 <lost@old.example>: Recipient address rejected: User unknown
`
	r := one(t, parseString(t, raw))
	if r.Kind != Hard || r.Recipient != "lost@old.example" || r.Status != "5.1.1" || !strings.Contains(r.Diagnostic, "User unknown") {
		t.Errorf("report = %+v", r)
	}
}

func TestNotAReport(t *testing.T) {
	_, err := Parse(strings.NewReader("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"), DefaultLimits)
	if !errors.Is(err, ErrNoReport) {
		t.Errorf("plain mail: err = %v", err)
	}
}

// Hostile or broken input: a clear error, never a panic, bounded work.
func TestHostileInput(t *testing.T) {
	deep := "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
	for i := 0; i < 20; i++ {
		deep += "--b" + string(rune('0'+i%10)) + "\r\nContent-Type: multipart/mixed; boundary=b" + string(rune('0'+(i+1)%10)) + "\r\n\r\n"
	}
	many := "Content-Type: multipart/mixed; boundary=x\r\n\r\n" + strings.Repeat("--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n", 200) + "--x--\r\n"
	cases := []struct {
		name, raw string
		want      string
	}{
		{"no boundary", "Content-Type: multipart/report\r\n\r\nhi\r\n", "has no boundary"},
		{"unterminated part", "Content-Type: multipart/report; boundary=z\r\n\r\n--z\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed", ""},
		{"too deep", deep, "nests more than"},
		{"too many parts", many, "more than 64 parts"},
		{"header garbage", "\x00\x01\x02 no header\r\n", "not a mail message"},
		{"bad delivery status", "Content-Type: multipart/report; boundary=z\r\n\r\n--z\r\nContent-Type: message/delivery-status\r\n\r\n: no name\r\n--z--\r\n", "malformed delivery status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reports, err := Parse(strings.NewReader(c.raw), DefaultLimits)
			if c.want == "" {
				if err == nil && len(reports) > 0 && reports[0].Recipient != "" {
					t.Errorf("a truncated report named a recipient: %+v", reports)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to say %q", err, c.want)
			}
		})
	}
	big := strings.NewReader("Subject: x\r\n\r\n" + strings.Repeat("a", 2<<20))
	if _, err := Parse(big, DefaultLimits); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2 MB message: err = %v", err)
	}
}

func TestTokenOf(t *testing.T) {
	for in, want := range map[string]string{
		"b-abc@x.example":              "abc",
		"<B-ABC@X.EXAMPLE>":            "abc",
		"news@x.example":               "",
		"b-@x.example":                 "",
		"b-abc":                        "",
		strings.Repeat("b", 70) + "@x": "",
	} {
		if got := TokenOf(in); got != want {
			t.Errorf("TokenOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	raw, _ := os.ReadFile("testdata/postfix-dsn-5.1.1.eml")
	f.Add(raw)
	for _, s := range []string{eximDSN, exchangeDSN, gmailDSN, utf8DSN, arf} {
		f.Add([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		reports, err := Parse(bytes.NewReader(data), Limits{MaxSize: 64 << 10, MaxParts: 16, MaxDepth: 4})
		if err != nil {
			return
		}
		for _, r := range reports {
			if r.Kind != Hard && r.Kind != Soft && r.Kind != Complaint {
				t.Fatalf("kind %q", r.Kind)
			}
			if len(r.Diagnostic) > 1000 || len(r.Tokens) > 8 {
				t.Fatalf("unbounded report: %+v", r)
			}
		}
	})
}
