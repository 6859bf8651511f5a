package mailout_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/internal/dkimtest"
	"postrider/mailout"
)

func accountMail(t *testing.T) []byte {
	t.Helper()
	raw, err := mailout.Build(&mailer.Message{
		From:    mail.Address{Name: "Postrider", Address: "noreply@mail.example.com"},
		To:      []mail.Address{{Name: "Anna", Address: "anna@example.org"}},
		Subject: "Подтвердите адрес",
		HTML:    `<p>Hello,</p><p><a href="https://mail.example.com/confirm/abc">Confirm</a></p>` + "\n.\n" + strings.Repeat("<p>line</p>\n", 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A signed message verifies against the published key, RSA and Ed25519
// alike; changed on the way (body, subject, an added From), it does not.
func TestDKIMSignatureVerifiesAndBreaksWhenAltered(t *testing.T) {
	for _, kind := range []string{"rsa", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			key, _ := dkimtest.Key(t, kind)
			d, err := mailout.NewDKIM("mail.example.com", "postrider", key)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := d.Sign(accountMail(t))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature: ")) {
				t.Fatalf("no DKIM-Signature first:\n%s", signed[:200])
			}
			v, err := dkimtest.Verify(signed, d)
			if err != nil {
				t.Fatalf("the signature does not verify: %v\n%s", err, signed)
			}
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} {
				found := false
				for _, k := range v.HeaderKeys {
					found = found || strings.EqualFold(k, h)
				}
				if !found {
					t.Errorf("%s is not signed (h=%v)", h, v.HeaderKeys)
				}
			}
			sig := string(signed[:bytes.Index(signed, []byte("\r\nAuto-Submitted"))])
			if !strings.Contains(sig, "c=relaxed/relaxed") || !strings.Contains(sig, "a="+kind+"-sha256") {
				t.Errorf("the signature is not relaxed/relaxed %s-sha256: %s", kind, sig)
			}

			for name, alter := range map[string]func([]byte) []byte{
				"body":       func(b []byte) []byte { return bytes.Replace(b, []byte("Confirm"), []byte("Confirn"), 1) },
				"subject":    func(b []byte) []byte { return bytes.Replace(b, []byte("Subject: "), []byte("Subject: RE: "), 1) },
				"added From": func(b []byte) []byte { return append([]byte("From: boss@example.org\r\n"), b...) },
			} {
				if _, err := dkimtest.Verify(alter(bytes.Clone(signed)), d); err == nil {
					t.Errorf("a message with its %s altered after signing verifies", name)
				}
			}
		})
	}
}

// Mail kept in the outbox is signed as the relay would have got it.
func TestTheOutboxKeepsSignedMail(t *testing.T) {
	key, _ := dkimtest.Key(t, "ed25519")
	d, _ := mailout.NewDKIM("mail.example.com", "s1", key)
	dir := t.TempDir()
	o := &mailout.Outbox{Dir: dir, DKIM: d}
	if err := o.Send(&mailer.Message{From: mail.Address{Address: "noreply@mail.example.com"},
		To: []mail.Address{{Address: "anna@example.org"}}, Subject: "Hi", HTML: "<p>Hi</p>"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	if _, err := dkimtest.Verify(raw, d); err != nil {
		t.Fatalf("the outbox's message does not verify: %v", err)
	}
}

func TestParseDKIMKeySaysWhatIsWrong(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	rsaKey, _ := dkimtest.Key(t, "rsa")
	pubDER, _ := x509.MarshalPKIXPublicKey(rsaKey.Public())
	for _, c := range []struct{ name, pem, want string }{
		{"not PEM", "hello", "no PEM block"},
		{"a public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), `"PUBLIC KEY"`},
		{"an EC key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), "RSA or Ed25519"},
		{"garbage inside", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a readable private key"},
	} {
		if _, err := mailout.ParseDKIMKey([]byte(c.pem)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	for _, kind := range []string{"rsa", "ed25519"} {
		_, data := dkimtest.Key(t, kind)
		if _, err := mailout.ParseDKIMKey(data); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	// openssl genrsa's PKCS #1 form
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKeyOf(t))})
	if _, err := mailout.ParseDKIMKey(pkcs1); err != nil {
		t.Errorf("PKCS #1: %v", err)
	}
}

func rsaKeyOf(t *testing.T) *rsa.PrivateKey {
	k, _ := dkimtest.Key(t, "rsa")
	return k.(*rsa.PrivateKey)
}

// BenchmarkNewDKIMKey: what a new domain costs the server (an RSA-2048
// key, made on create).
func BenchmarkNewDKIMKey(b *testing.B) {
	for b.Loop() {
		if _, _, err := mailout.NewDKIMKey(); err != nil {
			b.Fatal(err)
		}
	}
}
