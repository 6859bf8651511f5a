// Package mailout turns messages into RFC 5322 bytes and, when no SMTP
// server is configured, keeps them as .eml files in the outbox folder.
package mailout

import (
	"fmt"
	"mime"
	"net/mail"
	"strings"

	"github.com/domodwyer/mailyak/v3"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/security"
)

// Build renders m as the bytes an SMTP server would receive: headers, a
// plain-text part (made from the HTML when m.Text is empty) and the HTML.
// A Message-ID is added when m has none.
func Build(m *mailer.Message) ([]byte, error) {
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		return nil, fmt.Errorf("mailout: message %q has no recipient", m.Subject)
	}
	yak := mailyak.New("", nil)
	yak.From(m.From.Address)
	if m.From.Name != "" {
		yak.FromName(mime.QEncoding.Encode("UTF-8", m.From.Name))
	}
	yak.To(addresses(m.To)...)
	yak.Cc(addresses(m.Cc)...)
	yak.Bcc(addresses(m.Bcc)...)
	yak.Subject(m.Subject)
	yak.HTML().Set(m.HTML)
	text := m.Text
	if text == "" {
		text = PlainText(m.HTML)
	}
	yak.Plain().Set(text)

	hasID := false
	for k, v := range m.Headers {
		hasID = hasID || strings.EqualFold(k, "Message-ID")
		yak.SetHeader(k, v)
	}
	if !hasID {
		yak.SetHeader("Message-ID", NewMessageID(m.From.Address))
	}
	buf, err := yak.MimeBuf()
	if err != nil {
		return nil, fmt.Errorf("mailout: building %q: %w", m.Subject, err)
	}
	return buf.Bytes(), nil
}

// NewMessageID returns a fresh Message-ID on the sender's domain.
func NewMessageID(from string) string {
	domain := "postrider.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + security.PseudorandomString(24) + "@" + domain + ">"
}

func addresses(list []mail.Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.String())
	}
	return out
}
