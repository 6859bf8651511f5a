package mailout

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// anyMark is anything in double braces, as a user reads a template.
var anyMark = regexp.MustCompile(`\{\{([^{}]*)\}\}`)

// Whatever a subject or a body holds, a template with anything in double
// braces that is not a placeholder is refused; one that is taken reads, for
// a recipient with every value set, as the text with each placeholder
// replaced by its value; and in HTML, a recipient's values add no markup
// (no "<", ">" or quote of theirs reaches the body as it is). The
// template's own text is the body the server sanitized at save (hooks).
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		"Hello, {{name}}! {{ first_name | there }}: <{{email}}> {{comment|}}.",
		"{{nmae}}", "{{name", "{{.Name}}", "{{name|<b>}}", "{{}}", "{{{name}}}", "{{name}}}}", "}}{{",
		`<a href="{{unsubscribe_url}}">stop</a> <img src="{{comment}}">`, `<a href="https://x.org/?u={{email}}">`,
		"Dear {{name}}, hi", "{{name|a|b}}", "{{ name\t}}", "{{name|\"}}", "<p>{{name}}</p>\r\n",
	} {
		f.Add(seed, "Anna <b>\"&'", "javascript:alert(1)")
	}
	f.Add("< {{name}}script>", "", "")
	f.Fuzz(func(t *testing.T, text, name, comment string) {
		tmpl, err := ParseTemplate(text)
		for _, m := range anyMark.FindAllStringSubmatch(text, -1) {
			inner := m[1]
			if p, _, _ := strings.Cut(inner, "|"); !slices.Contains(Placeholders, strings.TrimSpace(p)) || strings.ContainsAny(inner, "<>\"\r\n") {
				if err == nil {
					t.Fatalf("%q is taken, with %s in it", text, m[0])
				}
				return
			}
		}
		if err != nil {
			if !strings.Contains(text, "{{") {
				t.Fatalf("%q, with no double braces, is refused: %v", text, err)
			}
			return
		}
		if rest := anyMark.ReplaceAllString(text, ""); strings.Contains(rest, "{{") {
			t.Fatalf("%q is taken with a {{ that opens no placeholder", text)
		}

		f := Fields{Name: name + "N", FirstName: "F" + FirstName(name), Email: "e" + comment, Comment: comment + "C", UnsubscribeURL: "https://u.example/x"}
		values := map[string]string{"name": f.Name, "first_name": f.FirstName, "email": f.Email, "comment": f.Comment, "unsubscribe_url": f.UnsubscribeURL}
		want := anyMark.ReplaceAllStringFunc(text, func(m string) string {
			p, _, _ := strings.Cut(m[2:len(m)-2], "|")
			return values[strings.TrimSpace(p)]
		})
		if got := tmpl.String(&f); got != want {
			t.Fatalf("%q with %+v reads %q, want %q", text, f, got, want)
		}

		f.Comment = "" // a fallback, or gone with the spaces before it
		body := string(tmpl.AppendTo(nil, &f, true))
		if len(body) > len(text)+len(tmpl.segs)*6*max(len(name)+2, len(comment)+2, len(f.UnsubscribeURL)) {
			t.Fatalf("%q fills to %d bytes", text, len(body))
		}
		for _, c := range []string{"<", ">", `"`, "'"} {
			if strings.Count(body, c) > strings.Count(text, c) {
				t.Fatalf("%q in HTML with %+v reads %q: more %s than the template has", text, f, body, c)
			}
		}
	})
}
