package bounce

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
)

// maxRecipients bounds the per-recipient groups read from one report: each
// of our messages has one recipient, a report about it names one or a few.
const maxRecipients = 100

// Parse reads a raw message (as it came over SMTP, or from a mailbox) and
// returns the failures and complaints it reports. A message that is no
// report at all gives ErrNoReport; one that reports only delays or
// deliveries gives no reports and no error. Errors say what was wrong with
// the message, in words fit for a log.
func Parse(r io.Reader, lim Limits) ([]Report, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.MaxSize {
		return nil, ErrTooLarge
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a mail message: %w", err)
	}
	w := &walker{lim: lim}
	for _, name := range []string{"To", "X-Original-To", "Delivered-To", "Envelope-To"} {
		w.addTokens(msg.Header[textproto.CanonicalMIMEHeaderKey(name)]...)
	}
	if err := w.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, err
	}
	return w.reports(msg.Header)
}

// walker gathers what a report's parts say.
type walker struct {
	lim   Limits
	parts int

	report     bool // a delivery-status or feedback-report part was found
	envelopeID string
	recipients []Report // a DSN's failures, without the message's fields
	complaint  *Report  // an ARF report's
	messageID  string   // of the original message
	origTo     string   // the original message's To, for a complaint that names no recipient
	tokens     []string
	text       []byte // the first text parts, for a report in no standard form
}

func (w *walker) walk(header textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > w.lim.MaxDepth {
		return fmt.Errorf("the message nests more than %d levels of parts", w.lim.MaxDepth)
	}
	mediaType, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain" // RFC 2045: the default, also for a type that cannot be read
	}
	body = decoded(header, body)
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("malformed MIME: a %s part has no boundary", mediaType)
		}
		mr := multipart.NewReader(body, boundary)
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("malformed MIME: %w", err)
			}
			if w.parts++; w.parts > w.lim.MaxParts {
				return fmt.Errorf("the message has more than %d parts", w.lim.MaxParts)
			}
			if err := w.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	case mediaType == "message/delivery-status", mediaType == "message/global-delivery-status":
		w.report = true
		return w.readDSN(body)
	case mediaType == "message/feedback-report":
		w.report = true
		return w.readARF(body)
	case mediaType == "message/rfc822", mediaType == "message/global",
		mediaType == "text/rfc822-headers", mediaType == "message/global-headers":
		w.readOriginal(body)
	case strings.HasPrefix(mediaType, "text/") && len(w.text) < 64<<10:
		b, _ := io.ReadAll(io.LimitReader(body, int64(64<<10-len(w.text))))
		w.text = append(w.text, b...)
	}
	return nil
}

// decoded undoes a part's Content-Transfer-Encoding.
func decoded(header textproto.MIMEHeader, body io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &skipSpace{r: body})
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	}
	return body
}

// skipSpace drops the line ends and blanks base64 text is folded with.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[k] = c
				k++
			}
		}
		if k > 0 || n == 0 || err != nil { // n == 0: hand the caller's reader its (0, nil) back
			return k, err
		}
	}
}

// readDSN reads a message/delivery-status body (RFC 3464 section 2): the
// per-message fields, then a group of fields per recipient, each group
// ending with a blank line.
func (w *walker) readDSN(body io.Reader) error {
	tp := textproto.NewReader(bufio.NewReader(body))
	perMessage, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return fmt.Errorf("malformed delivery status: %w", err)
	}
	if id := perMessage.Get("Original-Envelope-Id"); id != "" {
		w.envelopeID = strings.TrimSpace(id)
	}
	// Postfix names the envelope sender: our VERP address
	w.addTokens(addressOf(perMessage.Get("X-Postfix-Sender")))
	for groups := 0; err == nil && groups < 2*maxRecipients; groups++ {
		var h textproto.MIMEHeader
		h, err = tp.ReadMIMEHeader()
		if err != nil && err != io.EOF {
			return fmt.Errorf("malformed delivery status: %w", err)
		}
		if len(h) == 0 {
			continue // blank lines between the groups
		}
		if !strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
			continue // delayed, delivered, relayed, expanded: no failure (yet)
		}
		if len(w.recipients) >= maxRecipients {
			break
		}
		rcpt := addressOf(h.Get("Original-Recipient"))
		if rcpt == "" {
			rcpt = addressOf(h.Get("Final-Recipient"))
		}
		status := strings.TrimSpace(h.Get("Status"))
		if _, _, _, ok := splitStatus(status); !ok {
			status = codeIn(h.Get("Diagnostic-Code"))
		}
		w.recipients = append(w.recipients, Report{
			Kind: kindOf(status), Recipient: rcpt, Action: "failed", Status: status,
			Diagnostic: diagnostic(h.Get("Diagnostic-Code")),
		})
	}
	return nil
}

// readARF reads a message/feedback-report body (RFC 5965 section 3.5).
func (w *walker) readARF(body io.Reader) error {
	h, err := textproto.NewReader(bufio.NewReader(body)).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return fmt.Errorf("malformed feedback report: %w", err)
	}
	w.addTokens(addressOf(h.Get("Original-Mail-From")))
	if id := h.Get("Original-Envelope-Id"); id != "" {
		w.envelopeID = strings.TrimSpace(id)
	}
	// abuse, fraud and virus are the recipient's complaint; auth-failure
	// (RFC 6591) is a DMARC report about the sender, and "other" says nothing
	switch t := strings.ToLower(strings.TrimSpace(h.Get("Feedback-Type"))); t {
	case "abuse", "fraud", "virus":
		w.complaint = &Report{Kind: Complaint, Recipient: addressOf(h.Get("Original-Rcpt-To")), Diagnostic: "feedback-type: " + t}
	}
	return nil
}

// readOriginal reads the headers of the message a report is about.
func (w *walker) readOriginal(body io.Reader) {
	// the headers alone (text/rfc822-headers) may end without a blank line
	r := io.MultiReader(io.LimitReader(body, 256<<10), strings.NewReader("\r\n\r\n"))
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return
	}
	if id := strings.TrimSpace(msg.Header.Get("Message-Id")); id != "" && w.messageID == "" {
		w.messageID = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	}
	w.addTokens(msg.Header["Return-Path"]...)
	if to, err := mail.ParseAddress(msg.Header.Get("To")); err == nil && w.origTo == "" {
		w.origTo = to.Address
	}
}

func (w *walker) addTokens(addresses ...string) {
	for _, a := range addresses {
		if t := TokenOf(addressOf(a)); t != "" && len(w.tokens) < 8 {
			dup := false
			for _, have := range w.tokens {
				dup = dup || have == t
			}
			if !dup {
				w.tokens = append(w.tokens, t)
			}
		}
	}
}

// reports puts together what the parts said.
func (w *walker) reports(top mail.Header) ([]Report, error) {
	out := append([]Report(nil), w.recipients...)
	if w.complaint != nil {
		c := *w.complaint
		if c.Recipient == "" {
			c.Recipient = w.origTo
		}
		out = append(out, c)
	}
	if !w.report {
		// a report in no standard form: Exim's X-Failed-Recipients, with
		// the code the text gives
		for _, a := range strings.Split(top.Get("X-Failed-Recipients"), ",") {
			if a = addressOf(a); a != "" && len(out) < maxRecipients {
				status := codeIn(string(w.text))
				if status == "" {
					status = "5.0.0"
				}
				out = append(out, Report{Kind: kindOf(status), Recipient: a, Action: "failed", Status: status, Diagnostic: firstLineWith(string(w.text), status)})
			}
		}
		if len(out) == 0 {
			return nil, ErrNoReport
		}
	}
	for i := range out {
		out[i].MessageID, out[i].EnvelopeID, out[i].Tokens = w.messageID, w.envelopeID, w.tokens
	}
	return out, nil
}

// addressOf reads an address field: "rfc822; a@b" or "utf-8; …" (RFC 6533,
// with \x{HEX} escapes), "<a@b>", or a bare address.
func addressOf(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 {
		kind := strings.ToLower(strings.TrimSpace(v[:i]))
		v = strings.TrimSpace(v[i+1:])
		if kind == "utf-8" {
			v = unescapeUTF8(v)
		}
	}
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	if strings.ContainsAny(v, " \t\r\n<>") || !strings.Contains(v, "@") {
		return ""
	}
	return v
}

var escapeRe = regexp.MustCompile(`\\x\{([0-9A-Fa-f]{1,6})\}`)

// unescapeUTF8 undoes RFC 6533's \x{HEX} escapes in a utf-8 address.
func unescapeUTF8(s string) string {
	return escapeRe.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.ParseUint(m[3:len(m)-1], 16, 32)
		if err != nil || n > 0x10FFFF {
			return m
		}
		return string(rune(n))
	})
}

// diagnostic reads a Diagnostic-Code: "smtp; 550 5.1.1 no such user".
func diagnostic(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 12 {
		v = strings.TrimSpace(v[i+1:])
	}
	if len(v) > 1000 {
		v = v[:1000]
	}
	return v
}

var codeRe = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// codeIn finds the first RFC 3463 code in a text.
func codeIn(s string) string {
	return codeRe.FindString(s)
}

// firstLineWith is the line of s that holds code, cut short.
func firstLineWith(s, code string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, code) {
			return diagnostic(line)
		}
	}
	return ""
}
