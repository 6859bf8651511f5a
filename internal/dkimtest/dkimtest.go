// Package dkimtest makes DKIM keys for tests and checks signatures with
// go-msgauth's verifier, answering its DNS query from the key itself.
package dkimtest

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"postrider/mailout"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// Key returns a private key of kind "rsa" (2048 bits, made once per test
// binary: it takes a while) or "ed25519", and its PEM (PKCS #8).
func Key(t testing.TB, kind string) (crypto.Signer, []byte) {
	t.Helper()
	var key crypto.Signer
	switch kind {
	case "rsa":
		rsaOnce.Do(func() { rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048) })
		key = rsaKey
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	default:
		t.Fatalf("dkimtest: no key kind %q", kind)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// KeyFile writes Key's PEM to a file of t's and returns its path.
func KeyFile(t testing.TB, kind string) (crypto.Signer, string) {
	t.Helper()
	key, data := Key(t, kind)
	path := filepath.Join(t.TempDir(), "dkim-"+kind+".pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return key, path
}

// Verify checks every DKIM signature of raw with the public key of d, as a
// receiving server would after looking up d's TXT record. It returns the
// one verification, or an error when there is none, more than one, or it
// failed.
func Verify(raw []byte, d *mailout.DKIM) (*dkim.Verification, error) {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if name != d.TXTName() {
				return nil, fmt.Errorf("no TXT record at %s", name)
			}
			return []string{d.TXTRecord()}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("%d DKIM signatures, want 1", len(vs))
	}
	if vs[0].Err != nil {
		return vs[0], vs[0].Err
	}
	if vs[0].Domain != d.Domain {
		return vs[0], fmt.Errorf("signed for %s, want %s", vs[0].Domain, d.Domain)
	}
	return vs[0], nil
}
