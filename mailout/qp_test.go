package mailout

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// The encoder's fast runs change nothing on the wire: its output is byte for
// byte that of the byte-wise encoder it replaced (kept below as the
// reference), on texts made of what a message holds.
func TestQuotedPrintableRunsMatchTheByteWiseEncoder(t *testing.T) {
	pieces := []string{"a", "word", " ", "  ", "\t", "\n", "\r\n", "\r", ".", "..", "=", "Привет", "é", "x", "\x00", "~", strings.Repeat("y", 80)}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 20000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		src := []byte(b.String())
		if got, want := AppendQP(nil, src), appendQPByteWise(nil, src); !bytes.Equal(got, want) {
			t.Fatalf("case %d, %q:\n got %q\nwant %q", n, src, got, want)
		}
	}
}

func BenchmarkAppendQP(b *testing.B) {
	src := []byte(strings.Repeat("Every delivery is recorded before the next message goes out. ", 25) + "\nАнна, VIP.\n")
	dst := make([]byte, 0, 8192)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		dst = AppendQP(dst[:0], src)
	}
}

// appendQPByteWise is AppendQP as it was before its runs took in spaces.

// qpLiteral marks the bytes quoted-printable writes as they are: printable
// ASCII but "=" (a space or tab also, unless it ends a line).
var qpLiteralRef = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	return t
}()

// AppendQP appends src encoded as quoted-printable (RFC 2045) with CRLF
// line ends and lines of at most 76 characters. A dot that would start a
// line is encoded too (=2E), so that the result needs no dot-stuffing for
// SMTP's DATA and can be appended to a message ready for it. Runs of
// literal bytes are copied at once: this is most of each message's work.
func appendQPByteWise(dst, src []byte) []byte {
	col := 0
	for i := 0; i < len(src); {
		c := src[i]
		if qpLiteralRef[c] && (col > 0 || c != '.') {
			// copy the literal run that fits on the line
			j := i + 1
			for j < len(src) && qpLiteralRef[src[j]] && col+(j-i) < 75 {
				j++
			}
			if col+(j-i) > 75 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
				continue
			}
			dst = append(dst, src[i:j]...)
			col += j - i
			i = j
			continue
		}
		i++
		switch {
		case c == '\r' && i < len(src) && src[i] == '\n':
			continue
		case c == '\n':
			dst = append(dst, '\r', '\n')
			col = 0
			continue
		case (c == ' ' || c == '\t') && i < len(src) && src[i] != '\n' && src[i] != '\r':
			// white space is encoded only before a line end, where it could be lost
			if col+1 > 75 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
			}
			dst = append(dst, c)
			col++
			continue
		}
		if col+3 > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		dst = append(dst, '=', hexDigits[c>>4], hexDigits[c&15])
		col += 3
	}
	return dst
}
