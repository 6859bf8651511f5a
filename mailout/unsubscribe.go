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

// UnsubscribeToken is the token of one client's unsubscribe link: the
// client's id and an HMAC-SHA256 of it, so that it can be neither guessed
// nor altered, nor turned into another client's.
func UnsubscribeToken(secret []byte, clientID string) string {
	return clientID + "." + unsubscribeMAC(secret, clientID)
}

// CheckUnsubscribeToken returns the client a token names, or false when
// its signature does not match.
func CheckUnsubscribeToken(secret []byte, token string) (clientID string, ok bool) {
	id, mac, found := strings.Cut(token, ".")
	if !found || id == "" || !hmac.Equal([]byte(mac), []byte(unsubscribeMAC(secret, id))) {
		return "", false
	}
	return id, true
}

const macPrefix = "postrider unsubscribe\x00"

func unsubscribeMAC(secret []byte, clientID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(macPrefix + clientID))
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

// URL is the unsubscribe link of a client (as UnsubscribeToken signs it).
func (s *LinkSigner) URL(clientID string) string {
	s.mac.Reset()
	s.mac.Write([]byte(macPrefix))
	s.mac.Write([]byte(clientID))
	s.sum = s.mac.Sum(s.sum[:0])
	s.buf = append(append(append(s.buf[:0], s.prefix...), clientID...), '.')
	s.buf = base64.RawURLEncoding.AppendEncode(s.buf, s.sum[:18])
	return string(s.buf)
}
