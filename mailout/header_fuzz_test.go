package mailout

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// Whatever a subject holds, its header is lines of printable ASCII within
// RFC 5322's 998 octets, over 78 only for one word that no space splits,
// and a reader gets the subject back from it, each line break a space.
func FuzzSubject(f *testing.F) {
	for _, seed := range []string{
		"", "Hello", "a\r\nb", "Привет, мир!", "=?utf-8?q?x?=", "  two  spaces  ", "tab\there", "\x00\x7f\xff",
		strings.Repeat("word ", 40), strings.Repeat("x", 1200), strings.Repeat("Очень длинная тема ", 10),
		strings.Repeat("y", 985) + " z", "a_b?c=d",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, subject string) {
		header := string(AppendSubject(nil, subject))
		if other := string(AppendHeader(nil, "Subject", Subject(subject))); other != header {
			t.Fatalf("%q is written %q for each recipient, %q once", subject, header, other)
		}
		value := checkFolded(t, header, "Subject")
		got, err := new(mime.WordDecoder).DecodeHeader(value)
		if err != nil || got != OneLine(subject) {
			t.Fatalf("%q is written %q, which reads %q (%v)", subject, header, got, err)
		}
	})
}

// Whatever a sender's or a client's name holds, the From or To header that
// names them is folded as a subject is, and reads back as one address:
// that name (on one line) and that address, for any address the server
// keeps (AddressFits: one too long for RFC 5321 is refused on save).
func FuzzAddress(f *testing.F) {
	for _, seed := range []string{
		"", "Anna", "Acme, Inc.", "Иван, Петров \"ИП\"", "Evil\r\nBcc: x@y.z", "=?utf-8?b?eA==?=", "a\\b", "(comment)",
		strings.Repeat("Очень длинное имя, ", 10), strings.Repeat("x", 1200), "  spaced  name ",
	} {
		f.Add(seed, "news@acme.example")
	}
	f.Add("Anna", "anna.o'hara+tag@xn--e1afmkfd.xn--p1ai")
	f.Add("Acme", strings.Repeat("{", 64)+"@"+strings.Repeat("d", 63)+"."+strings.Repeat("e", 63)+"."+strings.Repeat("f", 60)+".example")
	f.Fuzz(func(t *testing.T, name, address string) {
		if a, err := mail.ParseAddress("<" + address + ">"); err != nil || a.Address != address || !AddressFits(address) {
			t.Skip("not an address the server keeps")
		}
		header := string(AppendHeader(nil, "From", Address(mail.Address{Name: name, Address: address})))
		// an address that is not ASCII goes only with SMTPUTF8, whose
		// headers may carry it as UTF-8 (RFC 6532 §3.2); the rest of the
		// header is checked with an ASCII stand-in of its octets
		if ascii := asciiStandIn(address); ascii != address {
			if strings.Count(header, "<"+address+">") != 1 {
				t.Fatalf("%q <%s> is written %q, without the address once as it is", name, address, header)
			}
			header, address = strings.Replace(header, "<"+address+">", "<"+ascii+">", 1), ascii
		}
		value := checkFolded(t, header, "From")
		list, err := mail.ParseAddressList(value)
		if err != nil || len(list) != 1 {
			t.Fatalf("%q <%s> is written %q, which reads as %v (%v)", name, address, header, list, err)
		}
		if list[0].Address != address || list[0].Name != OneLine(name) {
			t.Fatalf("%q <%s> is written %q, which reads %q <%s>", name, address, header, list[0].Name, list[0].Address)
		}
	})
}

// asciiStandIn is s with each octet past ASCII made "u", so that a line
// keeps its length in octets.
func asciiStandIn(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 0x80 {
			b[i] = 'u'
		}
	}
	return string(b)
}

// checkFolded checks header, one header field with its CRLF, as the
// fuzz targets above want it, and returns its value unfolded.
func checkFolded(t *testing.T, header, name string) string {
	t.Helper()
	body, ok := strings.CutSuffix(header, "\r\n")
	if !ok {
		t.Fatalf("%q does not end with CRLF", header)
	}
	for i, line := range strings.Split(body, "\r\n") {
		if i == 0 {
			line = strings.TrimPrefix(line, name+":")
		}
		switch {
		case i > 0 && !strings.HasPrefix(line, " "):
			t.Fatalf("line %d of %q does not start with a space: a new header, not a fold", i, header)
		case strings.IndexFunc(line, func(r rune) bool { return r < ' ' || r > '~' }) >= 0:
			t.Fatalf("line %d of %q holds a byte that is not printable ASCII", i, header)
		case len(line) > 998:
			t.Fatalf("line %d of %q has %d octets, over RFC 5322's 998", i, header, len(line))
		case len(line) > 78 && len(strings.Fields(line)) > 1:
			t.Fatalf("line %d of %q has %d octets and a space to fold at", i, header, len(line))
		case i > 0 && strings.TrimSpace(line) == "":
			t.Fatalf("line %d of %q is blank", i, header)
		}
	}
	value := strings.ReplaceAll(body, "\r\n", "")
	return strings.TrimPrefix(value, name+": ")
}
