// Package mailout turns messages into RFC 5322 bytes and, when no SMTP
// server is configured, keeps them as .eml files in the outbox folder.
package mailout

import (
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/security"
)

// Build renders an account mail (a confirmation, a password reset) as the
// bytes an SMTP server would receive: headers, a plain-text part (made
// from the HTML when m.Text is empty) and the HTML. A Message-ID is added
// when m has none, and Auto-Submitted says no person wrote it.
// The result uses CRLF and needs no dot-stuffing (see AppendQP).
func Build(m *mailer.Message) ([]byte, error) {
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		return nil, fmt.Errorf("mailout: message %q has no recipient", m.Subject)
	}
	headers := map[string]string{
		"From":           Address(m.From),
		"Subject":        Subject(m.Subject),
		"Date":           time.Now().Format(time.RFC1123Z),
		"Auto-Submitted": "auto-generated",
	}
	if len(m.To) > 0 {
		headers["To"] = addresses(m.To)
	}
	if len(m.Cc) > 0 {
		headers["Cc"] = addresses(m.Cc)
	}
	for k, v := range m.Headers {
		headers[canonical(k)] = OneLine(v)
	}
	if headers["Message-Id"] == "" {
		headers["Message-Id"] = NewMessageID(m.From.Address)
	}
	headers["Message-ID"], headers["Message-Id"] = headers["Message-Id"], ""
	names := make([]string, 0, len(headers))
	for k, v := range headers {
		if v != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	boundary := NewBoundary()
	var out []byte
	for _, k := range names {
		out = AppendHeader(out, k, headers[k])
	}
	out = AppendBodyHeaders(out, boundary)
	text := m.Text
	if text == "" {
		text = PlainText(m.HTML)
	}
	out = AppendPart(out, boundary, "text/plain", []byte(text))
	out = AppendPart(out, boundary, "text/html", []byte(m.HTML))
	return AppendEnd(out, boundary), nil
}

// canonical spells a header name as textproto does (Message-Id, List-Id).
func canonical(k string) string {
	parts := strings.Split(strings.ToLower(OneLine(k)), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// NewMessageID returns a fresh Message-ID on the sender's domain.
func NewMessageID(from string) string {
	domain := "postrider.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + security.PseudorandomString(24) + "@" + domain + ">"
}

// NewBoundary returns a multipart boundary no quoted-printable text can
// hold (QP never writes "=_" followed by letters).
func NewBoundary() string { return "=_" + security.PseudorandomString(28) }

// AppendBodyHeaders ends the headers of a multipart/alternative message.
func AppendBodyHeaders(dst []byte, boundary string) []byte {
	dst = AppendHeader(dst, "MIME-Version", "1.0")
	dst = AppendHeader(dst, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	return append(dst, '\r', '\n')
}

// AppendPart appends one UTF-8 part, quoted-printable.
func AppendPart(dst []byte, boundary, contentType string, body []byte) []byte {
	dst = AppendPartHeader(dst, boundary, contentType)
	dst = AppendQP(dst, body)
	return append(dst, '\r', '\n')
}

// AppendPartHeader opens a part; its quoted-printable body follows.
func AppendPartHeader(dst []byte, boundary, contentType string) []byte {
	dst = append(dst, "--"...)
	dst = append(dst, boundary...)
	dst = append(dst, "\r\n"...)
	dst = AppendHeader(dst, "Content-Type", contentType+"; charset=UTF-8")
	dst = AppendHeader(dst, "Content-Transfer-Encoding", "quoted-printable")
	return append(dst, '\r', '\n')
}

// AppendEnd closes the multipart body.
func AppendEnd(dst []byte, boundary string) []byte {
	dst = append(dst, "--"...)
	dst = append(dst, boundary...)
	return append(dst, "--\r\n"...)
}

func addresses(list []mail.Address) string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, Address(a))
	}
	return strings.Join(out, ",\r\n ")
}
