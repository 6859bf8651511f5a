package dispatch

import (
	"bytes"
	"fmt"
	"net/mail"

	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/mailout"
)

// Placeholders put into the template built once per run, replaced per message.
const (
	toPlaceholder    = "postrider-to-placeholder@invalid"
	msgIDPlaceholder = "postrider-message-id-placeholder"
)

// template is one mailing's message, built once by mailyak (through
// mailout.Build) and cut where each recipient's own To and Message-ID go,
// so that a run of 100,000 messages does not encode the body 100,000 times.
// Its bytes are already dot-stuffed for the SMTP DATA command.
type template struct {
	parts  [][]byte // parts[0] To parts[1] Message-ID parts[2]
	domain string   // of the Message-ID
}

func newTemplate(from mail.Address, subject, html string) (*template, error) {
	raw, err := mailout.Build(&mailer.Message{
		From:    from,
		To:      []mail.Address{{Address: toPlaceholder}},
		Subject: subject,
		HTML:    html,
		Headers: map[string]string{"Message-ID": "<" + msgIDPlaceholder + ">"},
	})
	if err != nil {
		return nil, err
	}
	raw = dotStuff(raw)
	to := bytes.Index(raw, []byte(toPlaceholder))
	id := bytes.Index(raw, []byte(msgIDPlaceholder))
	if to < 0 || id < 0 || to > id {
		return nil, fmt.Errorf("dispatch: unexpected message layout for %q", subject)
	}
	t := &template{parts: [][]byte{raw[:to], raw[to+len(toPlaceholder) : id], raw[id+len(msgIDPlaceholder):]}}
	t.domain = domainOf(from.Address)
	return t, nil
}

// render appends the message for one recipient to buf; messageID goes
// between the angle brackets the template has.
func (t *template) render(buf []byte, to, messageID string) []byte {
	buf = append(buf, t.parts[0]...)
	buf = append(buf, to...)
	buf = append(buf, t.parts[1]...)
	buf = append(buf, messageID...)
	return append(buf, t.parts[2]...)
}

// messageID makes the Message-ID (without angle brackets) of one delivery:
// stable, so that a message repeated after a crash carries the same id and
// the receiving side can tell. writeDeliveries stores the same value.
func (t *template) messageID(deliveryID string) string {
	return deliveryID + "@" + t.domain
}

func domainOf(address string) string {
	if at := bytes.LastIndexByte([]byte(address), '@'); at >= 0 && at < len(address)-1 {
		return address[at+1:]
	}
	return "postrider.localhost"
}

// dotStuff prepares a message for DATA: CRLF line ends, a dot doubled at the
// start of a line, and a final CRLF.
func dotStuff(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+64)
	lineStart := true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if lineStart && c == '.' {
			out = append(out, '.')
		}
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
		lineStart = c == '\n'
	}
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out
}
