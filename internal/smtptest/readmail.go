package smtptest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// Mail is a message read back the way a mail client shows it.
type Mail struct {
	Header mail.Header
	// Subject decoded from its RFC 2047 form.
	Subject string
	// Parts by media type (text/plain, text/html), transfer-decoded, with LF line ends.
	Parts map[string]string
}

// ReadMail parses raw message bytes, or fails the test.
func ReadMail(t testing.TB, raw []byte) Mail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a readable message: %v\n%s", err, raw)
	}
	m := Mail{Header: msg.Header, Parts: map[string]string{}}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	var walk func(r io.Reader, contentType string)
	walk = func(r io.Reader, contentType string) {
		media, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			t.Fatalf("content type %q: %v", contentType, err)
		}
		if !strings.HasPrefix(media, "multipart/") {
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			m.Parts[media] = strings.ReplaceAll(string(b), "\r\n", "\n")
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart() // undoes quoted-printable
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(p, p.Header.Get("Content-Type"))
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"))
	return m
}
