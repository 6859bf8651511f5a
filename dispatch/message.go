package dispatch

import (
	"bytes"
	"html"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/smtpclient"
	"postrider/internal/words"
	"postrider/mailout"
)

// template is one mailing's message, prepared once per run: the headers
// that are the same for everyone already encoded, the subject and both
// parts cut at their placeholders. render fills it for one recipient with
// appends and a quoted-printable pass, so that a run of 100,000 messages
// parses and encodes the mailing once, not 100,000 times. What it renders
// needs no dot-stuffing for the SMTP DATA command (see mailout.AppendQP).
type template struct {
	subject    *mailout.Template
	subjectHdr string // the encoded subject when it names no placeholder
	html, text *mailout.Template
	static     []byte // the headers the same for every recipient, to the parts
	boundary   string
	domain     string // of the Message-ID
	appURL     string
	secret     []byte // signs the unsubscribe links
	mailingID  string // named by the unsubscribe links, for their page
	// From and Reply-To, already in static; kept for a preview to show
	from, replyTo mail.Address
	// the key of the From's own verified domain (from.go), nil for mail
	// via the service: a test send signs with it as a run does
	domainKey *mailout.DKIM
}

// mailingInfo is what a run's template is made from.
type mailingInfo struct {
	from, replyTo    mail.Address // replyTo's Address "" for none
	subject, body    string
	runID, mailingID string
	ownerID, appURL  string
	secret           []byte
	domainKey        *mailout.DKIM
}

func newTemplate(m mailingInfo) (*template, error) {
	subject, err := mailout.ParseTemplate(m.subject)
	if err != nil {
		return nil, err
	}
	body, err := mailout.ParseTemplate(m.body)
	if err != nil {
		return nil, err
	}
	htmlBody := m.body
	if !body.Uses("unsubscribe_url") {
		htmlBody += footer(m.subject + m.body)
	}
	if body, err = mailout.ParseTemplate(htmlBody); err != nil {
		return nil, err
	}
	// the plain text is made once, placeholders and all; the spaces of a
	// fallback are kept out of the wrapping
	text, err := mailout.ParseTemplate(strings.ReplaceAll(mailout.PlainText(keepSpaces(htmlBody)), "\x1f", " "))
	if err != nil {
		return nil, err
	}
	t := &template{subject: subject, html: body, text: text, boundary: mailout.NewBoundary(),
		domain: domainOf(m.from.Address), appURL: m.appURL, secret: m.secret, mailingID: m.mailingID,
		from: m.from, replyTo: m.replyTo, domainKey: m.domainKey}
	if subject.Static() {
		t.subjectHdr = mailout.Subject(m.subject)
	}
	var h []byte
	h = mailout.AppendHeader(h, "From", mailout.Address(m.from))
	if m.replyTo.Address != "" {
		h = mailout.AppendHeader(h, "Reply-To", mailout.Address(mail.Address{Name: m.replyTo.Name, Address: smtpclient.HeaderAddress(m.replyTo.Address)}))
	}
	h = mailout.AppendHeader(h, "List-Id", "<"+m.mailingID+".mailings."+t.domain+">")
	h = mailout.AppendHeader(h, "Feedback-ID", m.runID+":"+m.mailingID+":"+m.ownerID+":postrider")
	h = mailout.AppendHeader(h, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	t.static = mailout.AppendBodyHeaders(h, t.boundary)
	return t, nil
}

var placeholderMarks = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// keepSpaces turns the spaces inside placeholders into a character the
// plain-text wrapping does not break at.
func keepSpaces(s string) string {
	return placeholderMarks.ReplaceAllStringFunc(s, func(p string) string { return strings.ReplaceAll(p, " ", "\x1f") })
}

// footer is the unsubscribe link added to a body that does not place it:
// in Russian when the mailing is written in Cyrillic, else in English
// (users have no language of their own; the mailing's is what its
// recipients read). Its words are internal/words' mail.*.
func footer(text string) string {
	lang := "en"
	for _, r := range text {
		if unicode.Is(unicode.Cyrillic, r) {
			lang = "ru"
			break
		}
	}
	return `<p>` + html.EscapeString(words.T(lang, "mail.footer")) +
		` <a href="{{unsubscribe_url}}">` + html.EscapeString(words.T(lang, "mail.unsubscribe")) + `</a></p>`
}

// recipient is one delivery's addressee.
type recipient struct {
	client, email, name, comment string
}

// writer is one worker's buffers and link signer, reused message after
// message, run after run.
type writer struct {
	buf, scratch []byte
	links        *mailout.LinkSigner
	appURL       string
	secret       []byte
	// the Date header of the second being written in (see date)
	dateUnix int64
	dateText string
}

func (t *template) newWriter() *writer {
	return &writer{buf: make([]byte, 0, 16*1024), scratch: make([]byte, 0, 16*1024), // grown once by a larger message, then kept
		links: mailout.NewLinkSigner(t.appURL, t.secret), appURL: t.appURL, secret: t.secret}
}

// fits tells whether w signs links as t's run needs: the same for every
// run of a pass, unless the app's URL changed between two claims.
func (w *writer) fits(t *template) bool {
	return w.appURL == t.appURL && bytes.Equal(w.secret, t.secret)
}

// fields are the placeholders' values for one recipient, in a run's
// message and in a preview alike.
func fieldsOf(r recipient, unsubscribeURL string) mailout.Fields {
	return mailout.Fields{
		Name: mailout.OneLine(r.name), FirstName: mailout.FirstName(r.name), Email: r.email, Comment: r.comment,
		UnsubscribeURL: unsubscribeURL,
	}
}

// render makes the message for one recipient in w's buffer (valid until
// the next render with w).
func (t *template) render(w *writer, r recipient, messageID string) []byte {
	f := fieldsOf(r, w.links.URL(r.client, t.mailingID))
	return t.write(w, &f, mail.Address{Name: f.Name, Address: r.email}, messageID)
}

// write makes the message with f's values, to to, in w's buffer: a run's
// for its recipient (render), a test send's for its owner (SendTest).
func (t *template) write(w *writer, f *mailout.Fields, to mail.Address, messageID string) []byte {
	buf := mailout.AppendHeader(w.buf[:0], "To", mailout.Address(mail.Address{Name: to.Name, Address: smtpclient.HeaderAddress(to.Address)}))
	buf = mailout.AppendHeader(buf, "Message-ID", "<"+messageID+">")
	if t.subjectHdr != "" {
		buf = mailout.AppendHeader(buf, "Subject", t.subjectHdr)
	} else {
		buf = mailout.AppendSubject(buf, t.subject.String(f))
	}
	buf = mailout.AppendHeader(buf, "List-Unsubscribe", "<"+f.UnsubscribeURL+">")
	buf = mailout.AppendHeader(buf, "Date", w.date(time.Now()))
	buf = append(buf, t.static...)
	buf = mailout.AppendPartHeader(buf, t.boundary, "text/plain")
	w.scratch = t.text.AppendTo(w.scratch[:0], f, false)
	buf = append(mailout.AppendQP(buf, w.scratch), '\r', '\n')
	buf = mailout.AppendPartHeader(buf, t.boundary, "text/html")
	w.scratch = t.html.AppendTo(w.scratch[:0], f, true)
	buf = append(mailout.AppendQP(buf, w.scratch), '\r', '\n')
	w.buf = mailout.AppendEnd(buf, t.boundary)
	return w.buf
}

// date is the Date header of a message written at now: the moment it is
// written, not its run's start (a message hours into a rate-limited run
// would be dated in the past). Formatted once a second, as a worker
// writes thousands of messages in the same one.
func (w *writer) date(now time.Time) string {
	if sec := now.Unix(); sec != w.dateUnix || w.dateText == "" {
		w.dateUnix, w.dateText = sec, now.Format(time.RFC1123Z)
	}
	return w.dateText
}

// useStoredDomain takes the domain of the Message-IDs the claim stored for
// a run's deliveries (claimer.write), so that each message carries the
// one its delivery names, though the From changed since.
func (t *template) useStoredDomain(app core.App, runID string) error {
	var ids []string
	err := app.DB().NewQuery(`SELECT message_id FROM deliveries WHERE run = {:run} LIMIT 1`).
		Bind(dbx.Params{"run": runID}).Column(&ids)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		if d := domainOf(strings.Trim(ids[0], "<>")); d != "" {
			t.domain = d
		}
	}
	return nil
}

// messageID makes the Message-ID (without angle brackets) of one delivery:
// stable, so that a message repeated after a crash carries the same id and
// the receiving side can tell. claimer.write stores the same value.
func (t *template) messageID(deliveryID string) string {
	return deliveryID + "@" + t.domain
}

func domainOf(address string) string {
	if at := strings.LastIndexByte(address, '@'); at >= 0 && at < len(address)-1 {
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
