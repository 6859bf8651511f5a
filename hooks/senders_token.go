package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// senderTokenLife is how long a sender's confirmation link works.
const senderTokenLife = 7 * 24 * time.Hour

// senderToken is the token of a sender's confirmation link: the sender's
// id, when the link expires, and an HMAC-SHA256 of both and of the address
// it was mailed to (lower-cased), under the data dir's signing secret
// (mailout.UnsubscribeSecret) with a prefix of its own, so that no
// unsubscribe token passes for it. A changed address invalidates it.
func senderToken(secret []byte, senderID, email string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 36)
	return senderID + "." + exp + "." + senderMAC(secret, senderID, email, exp)
}

// checkSenderToken returns the sender a token names, for the caller to
// check the address against: ok only when the link has not expired at now
// and its signature matches email.
func checkSenderToken(secret []byte, token string, now time.Time, emailOf func(id string) (string, bool)) (string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || len(parts[0]) > 64 {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil || now.Unix() > exp {
		return "", false
	}
	email, found := emailOf(parts[0])
	if !found {
		return "", false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(senderMAC(secret, parts[0], email, parts[1]))) {
		return "", false
	}
	return parts[0], true
}

const senderMACPrefix = "postrider sender\x00"

func senderMAC(secret []byte, senderID, email, exp string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(senderMACPrefix + senderID + "\x00" + strings.ToLower(email) + "\x00" + exp))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}
