package mailout

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// VERP addresses: a mailing's message goes out with MAIL FROM
// b-{token}@{bounce domain}, the token naming its delivery and signed with
// the data dir's secret (the one of unsubscribe links, under a label of its
// own), so that a report sent back to it finds the delivery and a forged
// one finds nothing. The token is the delivery's id, a dash and 16 base32
// characters of HMAC-SHA256 (80 bits), all lower case: some MTAs change the
// case of a local part, and the id is lower case already. With a 15-character
// id the local part is 33 octets, well under RFC 5321's 64.
const verpMACPrefix = "postrider verp\x00"

var verpEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// VERPAddress is the envelope sender of a delivery's message.
func VERPAddress(secret []byte, deliveryID, domain string) string {
	return "b-" + VERPToken(secret, deliveryID) + "@" + domain
}

// VERPToken is the signed token of a delivery.
func VERPToken(secret []byte, deliveryID string) string {
	return deliveryID + "-" + verpMAC(secret, deliveryID)
}

// CheckVERPToken returns the delivery a token names, or false when its
// signature does not match. Case does not matter.
func CheckVERPToken(secret []byte, token string) (deliveryID string, ok bool) {
	token = strings.ToLower(token)
	dash := strings.LastIndexByte(token, '-')
	if dash <= 0 {
		return "", false
	}
	id := token[:dash]
	if !hmac.Equal([]byte(token[dash+1:]), []byte(verpMAC(secret, id))) {
		return "", false
	}
	return id, true
}

func verpMAC(secret []byte, deliveryID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(verpMACPrefix + deliveryID))
	return verpEncoding.EncodeToString(h.Sum(nil)[:10])
}
