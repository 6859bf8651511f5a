package mailout

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

var blankRuns = regexp.MustCompile(`\n{3,}`)

// PlainText makes the plain-text alternative of an HTML body: the visible
// text, one paragraph a block, images as their alt text, links written out
// once as "text (url)", lines wrapped at 78 characters.
func PlainText(body string) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return body
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			// collapse white space as a browser does, keeping one space
			// between words of neighbouring nodes; a no-break space (the
			// editor types one after a link) is white space too
			words := strings.Join(strings.Fields(n.Data), " ")
			first, _ := utf8.DecodeRuneInString(n.Data)
			last, _ := utf8.DecodeLastRuneInString(n.Data)
			if words == "" || unicode.IsSpace(first) {
				space(&b)
			}
			b.WriteString(words)
			if words != "" && unicode.IsSpace(last) {
				space(&b)
			}
			return
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "head", "title":
				return
			case "br":
				b.WriteByte('\n')
				return
			case "img":
				if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
					space(&b)
					b.WriteString(alt)
				}
				return
			case "li":
				b.WriteString("\n- ")
			}
		}
		start := b.Len()
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "a":
				if href := attr(n, "href"); href != "" && strings.TrimSpace(b.String()[start:]) != href {
					b.WriteString(" (" + href + ")")
				}
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote":
				b.WriteString("\n\n")
			}
		}
	}
	walk(doc)
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	text := strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
	return Wrap(text, 78)
}

// Wrap breaks the lines of text longer than width characters at spaces; a
// word longer than width (a link) stays whole on its own line.
func Wrap(text string, width int) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if utf8.RuneCountInString(l) <= width {
			continue
		}
		var b strings.Builder
		col := 0
		for _, w := range strings.Fields(l) {
			n := utf8.RuneCountInString(w)
			if col > 0 && col+1+n > width {
				b.WriteByte('\n')
				col = 0
			} else if col > 0 {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += n
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// space adds one space unless the text already ends with white space.
func space(b *strings.Builder) {
	if s := b.String(); s != "" && !unicode.IsSpace(rune(s[len(s)-1])) {
		b.WriteByte(' ')
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
