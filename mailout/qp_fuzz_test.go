package mailout

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// Whatever a body holds, its quoted-printable form is lines of at most 76
// printable ASCII characters ended by CRLF, none starting with a dot (the
// message goes to SMTP's DATA as it is) nor ending in white space (which
// relays strip), at most 4 bytes for each of the body's, and it decodes back to the body, its line ends as CRLF.
func FuzzAppendQP(f *testing.F) {
	for _, seed := range []string{
		"", ".", ".start\nline with trailing space \n.\n", "a \r\nb\t\n", "=?x?=", "\r", "\r\r\n", "\x00\xff",
		strings.Repeat("Привет, мир! ", 20), strings.Repeat("x", 200), strings.Repeat(" ", 80) + "\n",
		strings.Repeat("y", 74) + " \n", strings.Repeat("y", 75) + ".\n.",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		enc := AppendQP(nil, src)
		// at most 3 characters a byte, and a soft line break ("=\r\n")
		// for every 24 bytes or more
		if len(enc) > 4*len(src) {
			t.Fatalf("%d bytes encode to %d", len(src), len(enc))
		}
		lines := bytes.Split(enc, []byte("\r\n"))
		for i, line := range lines {
			switch {
			case len(line) > 76:
				t.Fatalf("line %d has %d characters: %q", i, len(line), line)
			case bytes.HasPrefix(line, []byte(".")):
				t.Fatalf("line %d starts with a dot: %q", i, line)
			case bytes.HasSuffix(line, []byte(" ")) || bytes.HasSuffix(line, []byte("\t")):
				t.Fatalf("line %d ends in white space: %q", i, line)
			case bytes.IndexFunc(line, func(r rune) bool { return (r < ' ' || r > '~') && r != '\t' }) >= 0:
				t.Fatalf("line %d holds a byte that is not printable ASCII: %q", i, line)
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
		if err != nil {
			t.Fatalf("%q does not decode: %v", enc, err)
		}
		if want := crlf(src); !bytes.Equal(dec, want) {
			t.Fatalf("%q encodes to %q, which decodes to %q", src, enc, dec)
		}
	})
}

// crlf is b with each line end ("\n" or "\r\n") written as "\r\n".
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}
