package mailout

import (
	"encoding/base64"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Header lines: AppendHeader folds them at whitespace to foldAt octets
// where it can (RFC 5322 2.2.3 asks for 78; RFC 2047 asks for 76 on a line
// with an encoded word, so 76 serves both); a word no whitespace splits
// stays whole, and Subject and Address encode a word so long that its line
// would pass RFC 5322's 998.
const (
	foldAt  = 76
	maxLine = 998
)

// Subject encodes an unstructured header value for the Subject field:
// line breaks become spaces; printable ASCII stays as it is, for
// AppendHeader to fold; anything else, a word too long for a line, or text
// that spells an encoded word ("=?", which a reader would decode, RFC 2047
// §5) becomes Q encoded words, each on its own folded line.
func Subject(s string) string {
	s = OneLine(s)
	if plain(s, maxLine-subjectAt) {
		return s
	}
	return string(appendQWords(nil, s, subjectAt))
}

// AppendSubject appends the Subject header of s, encoded as Subject does,
// with no allocation: a run writes one for each recipient.
func AppendSubject(dst []byte, s string) []byte {
	s = OneLine(s)
	if plain(s, maxLine-subjectAt) {
		return AppendHeader(dst, "Subject", s)
	}
	dst = append(dst, "Subject: "...)
	return append(appendQWords(dst, s, subjectAt), '\r', '\n')
}

const subjectAt = len("Subject: ")

// Address formats a mailbox for From, To or Cc as net/mail does (a name
// with specials such as "Acme, Inc." quoted), except that a name that is
// not printable ASCII, spells an encoded word, or has a word too long for a
// line is B-encoded: Go's Q encoding leaves commas bare, which RFC 2047
// forbids in a phrase and which parsers read as a second address.
// AppendHeader folds the result.
func Address(a mail.Address) string {
	const at = len("From: ") // the longest of From, To and Cc
	a.Name = OneLine(a.Name)
	a.Address = OneLine(a.Address)
	if a.Name == "" {
		return a.String()
	}
	if isASCII(a.Name) { // else a.String() would encode it, for nothing
		if s := a.String(); plain(s, maxLine-at) {
			return s
		}
	}
	bare := (&mail.Address{Address: a.Address}).String()
	return string(appendBWords(nil, a.Name, at)) + " " + bare
}

// plain tells whether s can go in a header as it is: printable ASCII with
// nothing a reader would take for an encoded word, and no word (a run
// without spaces) longer than room.
func plain(s string, room int) bool {
	if !isASCII(s) || strings.Contains(s, "=?") {
		return false
	}
	for s != "" {
		word, rest, _ := strings.Cut(s, " ")
		if len(word) > room {
			return false
		}
		s = rest
	}
	return true
}

// appendQWords appends s as Q encoded words (RFC 2047 4.2) on lines of at
// most foldAt octets, the first beginning at column at (after the field's
// name), split between characters.
func appendQWords(dst []byte, s string, at int) []byte {
	const open, end, hex = "=?utf-8?q?", "?=", "0123456789ABCDEF"
	room := max(foldAt-at, 24) - len(open) - len(end) // for the first word's text
	n := 0
	dst = append(dst, open...)
	for s != "" {
		_, size := utf8.DecodeRuneInString(s)
		char := s[:size]
		enc := 0
		for i := 0; i < len(char); i++ {
			enc += qLen(char[i])
		}
		if n > 0 && n+enc > room {
			dst = append(dst, end+"\r\n "+open...)
			n, room = 0, foldAt-1-len(open)-len(end)
		}
		for i := 0; i < len(char); i++ {
			switch c := char[i]; {
			case c == ' ':
				dst = append(dst, '_')
			case qLen(c) == 1:
				dst = append(dst, c)
			default:
				dst = append(dst, '=', hex[c>>4], hex[c&15])
			}
		}
		n += enc
		s = s[size:]
	}
	return append(dst, end...)
}

// qLen is how many octets Q encoding writes for c: printable ASCII but
// "=", "?" and "_" as it is (a space as "_"), the rest as "=XX".
func qLen(c byte) int {
	if c >= ' ' && c <= '~' && c != '=' && c != '?' && c != '_' {
		return 1
	}
	return 3
}

// appendBWords appends s as base64 encoded words on lines of at most
// foldAt octets, the first beginning at column at, split between
// characters; what mime.BEncoding does, without its allocations (it runs
// for every recipient's name).
func appendBWords(dst []byte, s string, at int) []byte {
	const open, end = "=?utf-8?b?", "?="
	chunk := (max(foldAt-at, 24) - len(open) - len(end)) / 4 * 3 // bytes whose base64 fits the first line
	for first := true; s != ""; first = false {
		if !first {
			dst = append(dst, "\r\n "...)
			chunk = (foldAt - 1 - len(open) - len(end)) / 4 * 3
		}
		n := min(len(s), chunk)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		dst = append(dst, open...)
		dst = base64.StdEncoding.AppendEncode(dst, []byte(s[:n]))
		dst = append(dst, end...)
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// AppendHeader appends "name: value" and CRLF, value already encoded,
// folded (RFC 5322 2.2.3): a line that would pass foldAt octets breaks
// before the space ahead of the word that does not fit (the one after the
// colon too), keeping the folds value has (an encoded word's). A line never
// ends up blank, and a word no space splits stays whole.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	n := len(name) + 1 // octets on the line so far
	blank := false     // the line holds nothing but its leading space
	for {
		word, rest, more := strings.Cut(value, " ")
		word, folded := strings.CutSuffix(word, "\r\n")
		if !blank && word != "" && n+1+len(word) > foldAt {
			dst = append(dst, '\r', '\n')
			n, blank = 0, true
		}
		dst = append(dst, ' ')
		dst = append(dst, word...)
		n += 1 + len(word)
		blank = blank && word == ""
		if folded {
			dst = append(dst, '\r', '\n')
			n, blank = 0, true
		}
		if !more {
			return append(dst, '\r', '\n')
		}
		value = rest
	}
}
