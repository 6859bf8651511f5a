package mailout

import (
	"encoding/base64"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Subject encodes an unstructured header value such as a subject: line
// breaks become spaces, and a value that needs encoding becomes RFC 2047
// encoded words of at most 75 characters, each on its own folded line, so
// that no line comes near RFC 5322's 998-octet limit.
func Subject(s string) string {
	return fold(mime.QEncoding.Encode("utf-8", OneLine(s)))
}

// Address formats a mailbox as net/mail does (a name with specials such as
// "Acme, Inc." quoted), except that a non-ASCII name is B-encoded: Go's Q
// encoding leaves commas bare, which RFC 2047 forbids in a phrase and which
// parsers read as a second address. Long names fold as Subject does.
func Address(a mail.Address) string {
	a.Name = OneLine(a.Name)
	a.Address = OneLine(a.Address)
	if a.Name == "" || isASCII(a.Name) {
		return a.String()
	}
	bare := (&mail.Address{Address: a.Address}).String()
	return string(appendBWords(nil, a.Name)) + " " + bare
}

// appendBWords appends s as base64 encoded words of at most 75 characters
// ("=?utf-8?b?" + 60 + "?="), one a line, split between characters; what
// mime.BEncoding does, without its allocations (it runs for every
// recipient's name).
func appendBWords(dst []byte, s string) []byte {
	const chunk = 45 // bytes: 60 base64 characters
	for first := true; s != ""; first = false {
		n := min(len(s), chunk)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if !first {
			dst = append(dst, "\r\n "...)
		}
		dst = append(dst, "=?utf-8?b?"...)
		dst = base64.StdEncoding.AppendEncode(dst, []byte(s[:n]))
		dst = append(dst, "?="...)
		s = s[n:]
	}
	return dst
}

// OneLine replaces CR and LF with spaces: nothing a user types reaches a
// header as a line break.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// fold puts each encoded word of an encoded value on its own line.
func fold(encoded string) string {
	return strings.ReplaceAll(encoded, "?= =?", "?=\r\n =?")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// AppendHeader appends "name: value" and CRLF; value is already encoded.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, '\r', '\n')
}
