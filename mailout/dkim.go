package mailout

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaders are the header fields a signature covers: what a reader sees
// and what a provider acts on (RFC 8058 wants List-Unsubscribe and
// List-Unsubscribe-Post signed for one-click). A field the message lacks
// is signed as absent. The fields our messages carry once and a reader or
// a provider trusts are named twice, one more time than they appear
// (oversigned, RFC 6376 §5.4.2, §8.15): go-msgauth signs each repeated name
// as the next instance up from the bottom, and an instance that is not
// there as absent, so one added on the way breaks the signature.
var dkimHeaders = []string{
	"From", "From", "Reply-To", "Subject", "Subject", "Date", "Date", "To", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Unsubscribe-Post",
	"Feedback-ID", "Auto-Submitted",
}

// DKIM signs messages for one domain with one key (RFC 6376, relaxed/relaxed,
// SHA-256; RSA or Ed25519 as RFC 8463).
type DKIM struct {
	Domain, Selector string
	Key              crypto.Signer
}

// NewDKIM checks that domain, selector and key make a signer.
func NewDKIM(domain, selector string, key crypto.Signer) (*DKIM, error) {
	d := &DKIM{Domain: domain, Selector: selector, Key: key}
	if _, err := dkim.NewSigner(d.options()); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *DKIM) options() *dkim.SignOptions {
	return &dkim.SignOptions{
		Domain: d.Domain, Selector: d.Selector, Signer: d.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaders,
	}
}

// Sign returns msg (a whole rendered message, CRLF line ends, before
// dot-stuffing) with a DKIM-Signature field in front.
func (d *DKIM) Sign(msg []byte) ([]byte, error) {
	s, err := dkim.NewSigner(d.options())
	if err != nil {
		return nil, err
	}
	if _, err := s.Write(msg); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	sig := s.Signature()
	out := make([]byte, 0, len(sig)+len(msg))
	return append(append(out, sig...), msg...), nil
}

// TXTName is the DNS name whose TXT record holds the public key.
func (d *DKIM) TXTName() string { return d.Selector + "._domainkey." + d.Domain }

// TXTRecord is the TXT record to publish at TXTName.
func (d *DKIM) TXTRecord() string {
	switch pub := d.Key.Public().(type) {
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	default:
		der, _ := x509.MarshalPKIXPublicKey(pub)
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	}
}

// MinRSABits is the smallest RSA key accepted: RFC 8301 makes verifiers
// refuse keys under 1024 bits (2048 is what to generate).
const MinRSABits = 1024

// ParseDKIMKey reads a PEM private key: RSA (PKCS #1 "RSA PRIVATE KEY" or
// PKCS #8 "PRIVATE KEY", as openssl genrsa and genpkey write them) or
// Ed25519 (PKCS #8).
func ParseDKIMKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block (-----BEGIN PRIVATE KEY-----) found")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("a PEM block of type %q, not a private key (RSA or Ed25519)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("not a readable private key: %v", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("an RSA key of %d bits; receivers refuse fewer than %d (generate 2048)", k.N.BitLen(), MinRSABits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("a %T key; DKIM signs with RSA or Ed25519", key)
	}
}

// DKIMKeyBits is the size of the RSA keys the server makes for users'
// domains: 2048, what RFC 8301 asks signers for, and what every DNS
// provider takes in one TXT record (as several strings).
const DKIMKeyBits = 2048

// NewDKIMKey makes an RSA key for DKIM, with its PEM (PKCS #8, as
// ParseDKIMKey reads it).
func NewDKIMKey() (crypto.Signer, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, DKIMKeyBits)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
