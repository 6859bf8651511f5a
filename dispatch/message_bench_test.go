package dispatch

import (
	"net/mail"
	"strings"
	"testing"
)

// BenchmarkRender is the per-message work of a personalized mailing: the
// To, subject and both parts filled for one client, quoted-printable.
func BenchmarkRender(b *testing.B) {
	tmpl, r := benchMessage(b)
	w := tmpl.newWriter()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = tmpl.render(w, r, "0000001@acme.example")
	}
	b.SetBytes(int64(len(buf)))
}

// benchMessage is the mailing and the client the message benchmarks render.
func benchMessage(b *testing.B) (*template, recipient) {
	body := "<h1>Hello, {{first_name|there}}!</h1><p>" + strings.Repeat("Every delivery is recorded before the next message goes out. ", 25) +
		"</p><p>Your note: {{comment|none}}.</p>"
	tmpl, err := newTemplate(mailingInfo{
		from: mail.Address{Name: "Acme, Inc.", Address: "news@acme.example"}, subject: "{{first_name}}, news for you", body: body,
		runID: "run", mailingID: "mailing", ownerID: "owner", appURL: "https://mail.example.com", secret: make([]byte, 32),
	})
	if err != nil {
		b.Fatal(err)
	}
	return tmpl, recipient{client: "abcdefghijklmno", email: "anna@example.org", name: "Анна Петрова", comment: "VIP"}
}
