// Package words holds the service's words, one JSON file per language
// (en.json, ru.json), carried in the binary. The web app reads them at
// GET /i18n/{lang}.json (hooks/words.go, pb_public/js/i18n.js); the blog,
// the unsubscribe page and the mail footer read them through T.
//
// Keys are namespaced by where they show ("blog.title", "unsubscribe.ask",
// "mail.footer") and the same in every file. {name} in a value is a
// placeholder, filled by T here as by t() in the web app; a mailing's
// {{placeholder}} is text, kept as it is.
package words

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
)

//go:embed en.json ru.json
var files embed.FS

// Languages are the codes of the languages, English first: the one a
// key falls back to.
var Languages = []string{"en", "ru"}

// file is one language's file as embedded, and its words.
type file struct {
	raw   []byte
	etag  string
	words map[string]string
}

var catalog = mustLoad()

// mustLoad reads every language's file; the files are part of the
// binary, so one that cannot be read is a bug of the build (the package's
// tests read them too).
func mustLoad() map[string]file {
	all := make(map[string]file, len(Languages))
	for _, lang := range Languages {
		raw, err := files.ReadFile(lang + ".json")
		if err != nil {
			panic(err)
		}
		w, err := parse(raw)
		if err != nil {
			panic(fmt.Sprintf("words: %s.json: %v", lang, err))
		}
		sum := sha256.Sum256(raw)
		all[lang] = file{raw: raw, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, words: w}
	}
	return all
}

// T is key's words in lang (in English where lang has none; the key
// itself where no language has it), its placeholders filled from vars,
// given in pairs: "n", 3, "of", 10.
func T(lang, key string, vars ...any) string {
	s, ok := catalog[lang].words[key]
	if !ok {
		s, ok = catalog[Languages[0]].words[key]
	}
	if !ok {
		return key
	}
	return fill(s, vars...)
}

// Has tells whether lang is one of Languages.
func Has(lang string) bool {
	_, ok := catalog[lang]
	return ok
}

// File is lang's file as the binary carries it and an ETag of it; nil
// for a language that is not one of Languages.
func File(lang string) (raw []byte, etag string) {
	f := catalog[lang]
	return f.raw, f.etag
}
