package words

import (
	"slices"
	"strings"
	"testing"
)

// Every language has every key of every other, with words in it and the
// same placeholders: a key missing in Russian would show English on a
// Russian page, and a placeholder missing would drop a number from it.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	en := Languages[0]
	for _, lang := range Languages {
		for key, value := range catalog[lang].words {
			if strings.TrimSpace(value) == "" {
				t.Errorf("%s.json: %q has no words", lang, key)
			}
			if _, ok := catalog[en].words[key]; !ok {
				t.Errorf("%s.json has %q, %s.json does not", lang, key, en)
			}
		}
		if lang == en {
			continue
		}
		for key, value := range catalog[en].words {
			other, ok := catalog[lang].words[key]
			if !ok {
				t.Errorf("%s.json has %q, %s.json does not", en, key, lang)
				continue
			}
			if pe, pl := placeholders(value), placeholders(other); !slices.Equal(pe, pl) {
				t.Errorf("%q: placeholders %v in %s.json, %v in %s.json", key, pe, en, pl, lang)
			}
		}
	}
}

// Keys are namespaced, "where.what": the test of the keys the code uses
// tells keys from other strings by their namespace.
func TestKeysAreNamespaced(t *testing.T) {
	for _, lang := range Languages {
		for key := range catalog[lang].words {
			if !keyShape.MatchString(key) {
				t.Errorf("%s.json: %q is not a key of the form where.what", lang, key)
			}
		}
	}
}

func TestParseRefusesWhatWouldLoseWords(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":       `{"a.b": "x"`,
		"an array":       `["a.b"]`,
		"a number value": `{"a.b": 1}`,
		"a nested value": `{"a": {"b": "x"}}`,
		"a key twice":    `{"a.b": "x", "a.c": "y", "a.b": "z"}`,
		"two objects":    `{"a.b": "x"} {"a.c": "y"}`,
	} {
		if w, err := parse([]byte(raw)); err == nil {
			t.Errorf("%s: parsed as %v", name, w)
		}
	}
	w, err := parse([]byte(`{"a.b": "x", "a.c": "{n} y"}`))
	if err != nil || len(w) != 2 || w["a.c"] != "{n} y" {
		t.Errorf("a good file: %v, %v", w, err)
	}
}

// T fills {name} as the web app's t() does (its regular expression
// /(?<!\{)\{(\w+)\}(?!\})/): a mailing's {{name}} stays as it is, and a
// placeholder given no value becomes empty.
func TestFillReadsPlaceholdersAsTheWebApp(t *testing.T) {
	for _, c := range []struct {
		in   string
		vars []any
		want string
	}{
		{"Page {n} of {of}", []any{"n", 2, "of", 10}, "Page 2 of 10"},
		{"{n}{n}", []any{"n", "x"}, "xx"},
		{"Use {{name}} or {{name|friend}}", []any{"name", "Ann"}, "Use {{name}} or {{name|friend}}"},
		{"{{n}} {n}", []any{"n", 1}, "{{n}} 1"},
		{"{n}} {{n}", []any{"n", 1}, "{n}} {{n}"},
		{"no {value} here", nil, "no  here"},
		{"{not a placeholder} {} {é}", []any{"not", 1}, "{not a placeholder} {} {é}"},
		{"{day} {month} {year} г.", []any{"day", 5, "month", "мая", "year", 2027}, "5 мая 2027 г."},
		{"{", nil, "{"},
	} {
		if got := fill(c.in, c.vars...); got != c.want {
			t.Errorf("fill(%q, %v) = %q, want %q", c.in, c.vars, got, c.want)
		}
	}
	if got := placeholders("{b} {a} {b} {{c}}"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("placeholders: %v", got)
	}
}

func TestTFallsBackToEnglishThenToTheKey(t *testing.T) {
	if got := T("ru", "blog.pageOf", "n", 2, "of", 3); got != "Страница 2 из 3" {
		t.Errorf("Russian: %q", got)
	}
	if got := T("de", "blog.pageOf", "n", 2, "of", 3); got != "Page 2 of 3" {
		t.Errorf("a language there is no file of: %q", got)
	}
	if got := T("ru", "no.such.key"); got != "no.such.key" {
		t.Errorf("an unknown key: %q", got)
	}
	if raw, etag := File("ru"); len(raw) == 0 || etag == "" {
		t.Error("no file for ru")
	}
	if raw, _ := File("de"); raw != nil || Has("de") {
		t.Error("a file for de")
	}
}
