package mailout

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// UnsubscribeKeyFile holds the secret that signs unsubscribe links, in the
// data dir (created on first use; backed up with the data).
const UnsubscribeKeyFile = "unsubscribe.key"

// UnsubscribeSecret reads the data dir's signing secret, making it the
// first time (two processes racing both end up reading the one written).
func UnsubscribeSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, UnsubscribeKeyFile)
	if key, err := os.ReadFile(path); err == nil && len(key) >= 32 {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// UnsubscribeToken is the token of one client's unsubscribe link from one
// mailing: the client's id, the mailing's and an HMAC-SHA256 of both, so
// that it can be neither guessed nor altered, nor turned into another
// client's or mailing's. With no mailing it is the older form, the client's
// id and its HMAC alone, which links already sent still carry.
func UnsubscribeToken(secret []byte, clientID, mailingID string) string {
	if mailingID == "" {
		return clientID + "." + unsubscribeMAC(secret, clientID)
	}
	return clientID + "." + mailingID + "." + mailingMAC(secret, clientID, mailingID)
}

// CheckUnsubscribeToken returns the client a token names, and the mailing
// when it names one (links sent before tokens named it do not), or false
// when its signature does not match.
func CheckUnsubscribeToken(secret []byte, token string) (clientID, mailingID string, ok bool) {
	parts := strings.Split(token, ".")
	var want string
	switch {
	case len(parts) == 2 && parts[0] != "":
		want = unsubscribeMAC(secret, parts[0])
	case len(parts) == 3 && parts[0] != "" && parts[1] != "":
		mailingID, want = parts[1], mailingMAC(secret, parts[0], parts[1])
	default:
		return "", "", false
	}
	if !hmac.Equal([]byte(parts[len(parts)-1]), []byte(want)) {
		return "", "", false
	}
	return parts[0], mailingID, true
}

// the two forms are signed under prefixes of their own, so that neither
// can pass for the other
const (
	macPrefix        = "postrider unsubscribe\x00"
	mailingMACPrefix = "postrider unsubscribe mailing\x00"
)

func unsubscribeMAC(secret []byte, clientID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(macPrefix + clientID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

func mailingMAC(secret []byte, clientID, mailingID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(mailingMACPrefix + clientID + "\x00" + mailingID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// LinkSigner makes unsubscribe links one after another with one HMAC,
// for one goroutine: a run's worker signs a link per message.
type LinkSigner struct {
	prefix string
	mac    hash.Hash
	sum    []byte
	buf    []byte
}

// NewLinkSigner signs links to appURL with secret.
func NewLinkSigner(appURL string, secret []byte) *LinkSigner {
	return &LinkSigner{prefix: strings.TrimRight(appURL, "/") + "/unsubscribe/", mac: hmac.New(sha256.New, secret)}
}

// URL is the unsubscribe link of a client from a mailing (as
// UnsubscribeToken signs it).
func (s *LinkSigner) URL(clientID, mailingID string) string {
	s.mac.Reset()
	s.mac.Write([]byte(mailingMACPrefix))
	s.mac.Write([]byte(clientID))
	s.mac.Write([]byte{0})
	s.mac.Write([]byte(mailingID))
	s.sum = s.mac.Sum(s.sum[:0])
	s.buf = append(append(append(append(append(s.buf[:0], s.prefix...), clientID...), '.'), mailingID...), '.')
	s.buf = base64.RawURLEncoding.AppendEncode(s.buf, s.sum[:18])
	return string(s.buf)
}
