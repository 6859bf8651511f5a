package dispatch

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"net/mail"
	"strings"
	"testing"

	"postrider/mailout"
)

// BenchmarkRenderAndSign is BenchmarkRender's message with its DKIM
// signature (relaxed/relaxed, SHA-256): what DKIM adds per message.
func BenchmarkRenderAndSign(b *testing.B) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		name string
		key  crypto.Signer
	}{{"off", nil}, {"rsa2048", rsaKey}, {"ed25519", edKey}} {
		b.Run(c.name, func(b *testing.B) {
			var d *mailout.DKIM
			if c.key != nil {
				d, _ = mailout.NewDKIM("acme.example", "pr1", c.key)
			}
			body := "<h1>Hello, {{first_name|there}}!</h1><p>" + strings.Repeat("Every delivery is recorded before the next message goes out. ", 25) +
				"</p><p>Your note: {{comment|none}}.</p>"
			tmpl, err := newTemplate(mailingInfo{
				from: mail.Address{Name: "Acme, Inc.", Address: "news@acme.example"}, subject: "{{first_name}}, news for you", body: body,
				runID: "run", mailingID: "mailing", ownerID: "owner", appURL: "https://mail.example.com", secret: make([]byte, 32),
			})
			if err != nil {
				b.Fatal(err)
			}
			r := recipient{client: "abcdefghijklmno", email: "anna@example.org", name: "Анна Петрова", comment: "VIP"}
			w := tmpl.newWriter()
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = sign(d, tmpl.render(w, r, "0000001@acme.example")); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
