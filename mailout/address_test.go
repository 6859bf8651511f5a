package mailout

import (
	"strings"
	"testing"
)

func TestAddressFits(t *testing.T) {
	for _, c := range []struct {
		address string
		want    bool
	}{
		{"anna@example.com", true},
		{strings.Repeat("x", 64) + "@example.com", true},
		{strings.Repeat("x", 65) + "@example.com", false},
		{"a@" + strings.Repeat("d", 252), true}, // 254 in all
		{"a@" + strings.Repeat("d", 253), false},
		{"no-at-sign", false},
		{`"a@b"@` + strings.Repeat("d", 10), true}, // the last @ splits
	} {
		if got := AddressFits(c.address); got != c.want {
			t.Errorf("AddressFits(%q) = %v, want %v", c.address, got, c.want)
		}
	}
}
