package dispatch

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
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
			tmpl, r := benchMessage(b)
			w := tmpl.newWriter()
			var buf []byte
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = signersOf(d).sign(tmpl.render(w, r, "0000001@acme.example")); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
