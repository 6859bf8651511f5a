package hooks

import (
	"strings"
	"testing"
	"time"
)

// A sender's link confirms the one address it was mailed to, until it
// expires, and nothing else does.
func TestSenderTokenNamesOneAddressUntilItExpires(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	token := senderToken(secret, "sender000000001", "desk@example.com", now.Add(senderTokenLife))
	emails := map[string]string{"sender000000001": "Desk@Example.com", "sender000000002": "desk@example.com"}
	parts := strings.Split(token, ".")
	lookup := func(id string) (string, bool) { e, ok := emails[id]; return e, ok }

	if id, ok := checkSenderToken(secret, token, now, lookup); !ok || id != "sender000000001" {
		t.Fatalf("a fresh link for the same address (other letter case) is refused: %q %v", id, ok)
	}
	for name, c := range map[string]struct {
		token string
		at    time.Time
		email string
	}{
		"expired":          {token, now.Add(senderTokenLife + time.Second), ""},
		"address changed":  {token, now, "other@example.com"},
		"another sender":   {"sender000000002" + token[len("sender000000001"):], now, ""},
		"longer life":      {parts[0] + ".zzzzzzz." + parts[2], now, ""},
		"no signature":     {"sender000000001.zzzzzz", now, ""},
		"another secret's": {senderToken([]byte("another secret, 32 bytes long!!!"), "sender000000001", "desk@example.com", now.Add(time.Hour)), now, ""},
	} {
		if c.email != "" {
			emails["sender000000001"] = c.email
		}
		if _, ok := checkSenderToken(secret, c.token, c.at, lookup); ok {
			t.Errorf("%s: the link is accepted", name)
		}
		emails["sender000000001"] = "Desk@Example.com"
	}
}
