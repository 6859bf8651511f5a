package mailout

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
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

func unsubscribeMAC(secret []byte, clientID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("postrider unsubscribe\x00" + clientID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// UnsubscribeURL is the link in a client's messages.
func UnsubscribeURL(appURL string, secret []byte, clientID string) string {
	return strings.TrimRight(appURL, "/") + "/unsubscribe/" + UnsubscribeToken(secret, clientID)
}
