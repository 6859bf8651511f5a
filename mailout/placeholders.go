package mailout

import (
	"fmt"
	"html"
	"strings"
)

// Fields are one recipient's values for a mailing's placeholders.
type Fields struct {
	Name, FirstName, Email, Comment, UnsubscribeURL string
}

// Placeholders a mailing's subject and body may use (DESIGN.md "Messages"),
// in the order of Fields.
var Placeholders = []string{"name", "first_name", "email", "comment", "unsubscribe_url"}

func (f *Fields) value(i int) string {
	switch i {
	case 0:
		return f.Name
	case 1:
		return f.FirstName
	case 2:
		return f.Email
	case 3:
		return f.Comment
	}
	return f.UnsubscribeURL
}

// FirstName is the first word of a name, without a comma after it.
func FirstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return strings.TrimRight(f[0], ",;")
	}
	return ""
}

// Template is a subject or body cut at its placeholders, parsed once per
// run; AppendTo fills it for each recipient with plain appends.
type Template struct {
	segs []segment
	uses [5]bool // which of Placeholders it names
}

type segment struct {
	text      string // literal text, or the fallback of a placeholder
	field     int    // -1 for literal text
	nextPunct bool   // the literal after this placeholder starts with punctuation
	// the address of a link or an image that a placeholder fills starts
	// with this segment, or ends with it (see linkSpans)
	linkStart, linkEnd bool
}

// ParseTemplate cuts s at its {{placeholder}} and {{placeholder|fallback}}
// marks. Anything else in double braces, or a "{{" left open, is an error
// that names it. The literal text is also cut where the address of a link
// or an image that holds a placeholder starts and ends, so that AppendTo
// can check that address once it is filled.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{}
	spans := linkSpans(s)
	var at []int // where each segment starts in s
	pos := 0
	// literal adds s[pos:end], cut at the links' starts and ends
	literal := func(end int) {
		for pos < end {
			next := end
			for _, sp := range spans {
				for _, c := range sp {
					if c > pos && c < next {
						next = c
					}
				}
			}
			t.segs, at = append(t.segs, segment{text: s[pos:next], field: -1}), append(at, pos)
			pos = next
		}
	}
	for pos < len(s) {
		open := strings.Index(s[pos:], "{{")
		if open < 0 {
			literal(len(s))
			break
		}
		open += pos
		literal(open)
		end := strings.Index(s[open:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("%q is not closed with }}", clipText(s[open:]))
		}
		inner := s[open+2 : open+end]
		name, fallback, _ := strings.Cut(inner, "|")
		name = strings.TrimSpace(name)
		field := -1
		for i, p := range Placeholders {
			if p == name {
				field = i
			}
		}
		if field < 0 || strings.ContainsAny(inner, "{}<>\"\r\n") {
			return nil, fmt.Errorf("{{%s}} is not a placeholder; use %s", clipText(inner), "{{"+strings.Join(Placeholders, "}}, {{")+"}}")
		}
		t.uses[field] = true
		t.segs, at = append(t.segs, segment{text: strings.TrimSpace(fallback), field: field}), append(at, open)
		pos = open + end + 2
	}
	at = append(at, len(s))
	for i := range t.segs {
		if t.segs[i].field >= 0 && i+1 < len(t.segs) && t.segs[i+1].field < 0 {
			t.segs[i].nextPunct = strings.IndexAny(t.segs[i+1].text[:1], ",.!?:;)") == 0
		}
		for _, sp := range spans {
			t.segs[i].linkStart = t.segs[i].linkStart || at[i] == sp[0]
			t.segs[i].linkEnd = t.segs[i].linkEnd || at[i+1] == sp[1]
		}
	}
	return t, nil
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Uses tells whether the template names the placeholder.
func (t *Template) Uses(name string) bool {
	for i, p := range Placeholders {
		if p == name {
			return t.uses[i]
		}
	}
	return false
}

// Static tells whether the template has no placeholder at all.
func (t *Template) Static() bool { return t.uses == [5]bool{} }

// AppendTo appends the template filled with f to dst, the values
// HTML-escaped when escape is set. An empty value takes the placeholder's
// fallback; with none it is dropped with the spaces before it (and a comma
// before those when punctuation follows), so that "Hello, {{name}}!" reads
// "Hello!" rather than leaving a gap. In HTML, the address of a link or an
// image that a placeholder fills is emptied unless, filled, it is an
// absolute URL of LinkSchemes: a client named "javascript:alert(1)" in
// href="{{name}}" gets a link that goes nowhere.
func (t *Template) AppendTo(dst []byte, f *Fields, escape bool) []byte {
	start, link := len(dst), -1
	for _, s := range t.segs {
		if escape && s.linkStart {
			link = len(dst)
		}
		dst = s.appendTo(dst, f, escape, start)
		if link >= 0 && s.linkEnd {
			link = min(link, len(dst))
			if !safeLink(dst[link:]) {
				dst = dst[:link]
			}
			link = -1
		}
	}
	return dst
}

// appendTo appends one segment, filled with f, to dst, of which the
// template's output starts at start.
func (s segment) appendTo(dst []byte, f *Fields, escape bool, start int) []byte {
	if s.field < 0 {
		return append(dst, s.text...)
	}
	v := f.value(s.field)
	if v == "" {
		v = s.text
	}
	if v == "" {
		for len(dst) > start && dst[len(dst)-1] == ' ' {
			dst = dst[:len(dst)-1]
		}
		if s.nextPunct && len(dst) > start && dst[len(dst)-1] == ',' {
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	if escape {
		v = html.EscapeString(v)
	}
	return append(dst, v...)
}

// String is the template filled with f, unescaped.
func (t *Template) String(f *Fields) string { return string(t.AppendTo(nil, f, false)) }
