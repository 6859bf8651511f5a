package mailout

import (
	"bytes"
	"html"
	"regexp"
	"strings"
)

// LinkSchemes are the schemes a link or an image of a mailing's body may
// use: the body's sanitizer keeps no other (hooks/mailing_body.go), and a
// link whose address a placeholder fills keeps to them after substitution.
var LinkSchemes = []string{"http", "https", "mailto"}

// linkValue finds the address of a link or an image, as the body's
// sanitizer writes attributes (lower-case name, double quotes, any quote
// inside escaped), so that a quote ends it.
var linkValue = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)

// linkSpans are the [start, end) offsets in s of the link and image
// addresses that hold a placeholder.
func linkSpans(s string) [][2]int {
	var spans [][2]int
	for _, m := range linkValue.FindAllStringSubmatchIndex(s, -1) {
		if strings.Contains(s[m[2]:m[3]], "{{") {
			spans = append(spans, [2]int{m[2], m[3]})
		}
	}
	return spans
}

// safeLink tells whether an address, HTML-escaped as it stands in an
// attribute, is an absolute URL of one of LinkSchemes. A browser or mail
// client drops the spaces and control characters around an address and
// the tabs and line breaks inside it ("java\tscript:" is "javascript:"),
// so an address with a control character inside is not safe either. It
// allocates nothing for an address without entities, such as every
// unsubscribe link.
func safeLink(escaped []byte) bool {
	if bytes.IndexByte(escaped, '&') >= 0 {
		escaped = []byte(html.UnescapeString(string(escaped)))
	}
	u := bytes.TrimFunc(escaped, func(r rune) bool { return r <= ' ' })
	if bytes.IndexFunc(u, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return false
	}
	scheme, _, found := bytes.Cut(u, []byte(":"))
	if !found {
		return false // a relative address: the body's links are absolute
	}
	for _, s := range LinkSchemes {
		if bytes.EqualFold(scheme, []byte(s)) {
			return true
		}
	}
	return false
}
