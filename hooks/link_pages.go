package hooks

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/words"
)

// The pages the server renders for people who follow a link from a mail
// (the unsubscribe page, a sender's confirmation): one look, the words of
// the visitor's language, never cached.

// pageStyle is the look of the pages the server renders for people who
// follow a link from a mail: the unsubscribe page, a sender's confirmation.
const pageStyle = `body{font:16px/1.5 system-ui,sans-serif;color:#16161a;background:#f8f9fa;margin:0}
main{max-width:32rem;margin:4rem auto;padding:2rem;box-sizing:border-box;background:#fff;border:1px solid #e4e9ec;border-radius:8px}
h1{font-size:1.25rem;margin:0 0 1rem}button{font:inherit;padding:.5rem 1rem;border:1px solid #16161a;border-radius:6px;background:#fff;cursor:pointer}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0 0 1rem}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}
.help{color:#666;font-size:.9rem}
@media (max-width:36rem){main{margin:1rem;padding:1.25rem}}`

// linkPageTemplates parses page once per language, with t giving the
// words of that language: a key, then pairs of a name and its value.
func linkPageTemplates(page string) map[string]*template.Template {
	byLang := map[string]*template.Template{}
	for _, lang := range words.Languages {
		t := func(key string, vars ...any) string { return words.T(lang, key, vars...) }
		byLang[lang] = template.Must(template.New("page").Funcs(template.FuncMap{"t": t}).Parse(page))
	}
	return byLang
}

// linkPage answers status with the page of byLang in the visitor's
// language; data gets Lang.
func linkPage(e *core.RequestEvent, status int, byLang map[string]*template.Template, data map[string]any) error {
	lang := pageLanguage(e.Request.Header.Get("Accept-Language"))
	data["Lang"] = lang
	e.Response.Header().Set("Content-Type", "text/html; charset=utf-8")
	e.Response.Header().Set("Cache-Control", "no-store")
	e.Response.WriteHeader(status)
	return byLang[lang].Execute(e.Response, data)
}

// pageLanguage picks the language of the words that Accept-Language ranks
// highest (English when it names none).
func pageLanguage(header string) string {
	best, bestQ := "en", -1.0
	for _, item := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if words.Has(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
