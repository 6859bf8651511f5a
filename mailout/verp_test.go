package mailout

import (
	"strings"
	"testing"

	"postrider/internal/bounce"
)

func TestVERPAddress(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	addr := VERPAddress(secret, "4h5wg50a0000002", "bounces.example")
	local := addr[:strings.IndexByte(addr, '@')]
	if len(local) > 64 || local != strings.ToLower(local) {
		t.Fatalf("local part %q: want at most 64 octets, lower case", local)
	}
	// what the parser finds in a report, upper-cased by some MTA on the way
	token := bounce.TokenOf(strings.ToUpper(addr))
	if id, ok := CheckVERPToken(secret, token); !ok || id != "4h5wg50a0000002" {
		t.Fatalf("CheckVERPToken(%q) = %q, %v", token, id, ok)
	}
	forged := []string{
		"",
		"4h5wg50a0000002",
		"4h5wg50a0000003" + token[strings.IndexByte(token, '-'):], // another delivery, the same signature
		token[:len(token)-1] + "a",
		VERPToken([]byte("another secret, another data dir!"), "4h5wg50a0000002"),
	}
	for _, f := range forged {
		if id, ok := CheckVERPToken(secret, f); ok {
			t.Errorf("forged token %q accepted for %q", f, id)
		}
	}
	// an unsubscribe token's signature is not a VERP one
	if _, ok := CheckVERPToken(secret, "4h5wg50a0000002-"+unsubscribeMAC(secret, "4h5wg50a0000002")); ok {
		t.Error("an unsubscribe signature passed for a VERP one")
	}
}

// The cost of the envelope sender of one message (the dispatcher signs one
// per message): go test ./mailout -run x -bench VERPAddress
func BenchmarkVERPAddress(b *testing.B) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	for b.Loop() {
		_ = VERPAddress(secret, "4h5wg50a0000002", "bounces.example.com")
	}
}
