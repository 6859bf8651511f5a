// Package clientwords splits a client's email, name and comment into the
// words the clients' search looks up (migration 1795660063 keeps them in
// _postrider_client_words by triggers; hooks/clients_search.go reads
// them): the same split in SQL, for the triggers, and in Go, for what was
// typed. A plain table, not SQLite's FTS: the cgo build's SQLite has FTS4
// only and PocketBase's pure-Go one FTS5 only, and a data dir must serve
// under either.
package clientwords

import (
	"strings"
)

// separators end a word; every other character is part of one. The
// backslash and the double quote first: the SQL split writes a JSON array.
// Few: each is a replace() nested in the triggers' SQL, and the sqlite3
// shell of Debian 12 refused to read a schema of 32 (parser stack
// overflow).
var separators = []string{`\`, `"`, "\t", "\n", "\r", "@", ".", "-", "_", "+", ",", ";", "'", "(", ")", "/"}

// MaxLen is the longest word kept, in characters (longer ones are cut).
const MaxLen = 64

// Split is s's words as the index holds them: lowercased as SQLite's
// lower() does (ASCII letters only), split at the separators and spaces,
// each cut to MaxLen characters (SQLite's substr(w, 1, MaxLen)).
func Split(s string) []string {
	s = asciiLower(s)
	for _, sep := range separators {
		s = strings.ReplaceAll(s, sep, " ")
	}
	var out []string
	for _, w := range strings.Split(s, " ") {
		if w != "" {
			out = append(out, cut(w))
		}
	}
	return out
}

// SQL is an SQLite expression of the JSON array of the words of expr
// (text), as Split splits it; a text with other control characters is no
// valid JSON: guard it with json_valid.
func SQL(expr string) string {
	e := "lower(" + expr + ")"
	for _, sep := range separators {
		e = "replace(" + e + ", " + quote(sep) + ", ' ')"
	}
	return `'["' || replace(` + e + `, ' ', '","') || '"]'`
}

// Text is the text of row's email, name and comment, the words' source.
func Text(row string) string {
	return "COALESCE(" + row + ".email, '') || ' ' || COALESCE(" + row + ".name, '') || ' ' || COALESCE(" + row + ".comment, '')"
}

// Each is json_each of the words of row's email, name and comment (row: a
// table or its alias), one word a value: the triggers keep these, and the
// clients page tests a client's own words by it when a search matches too
// many clients to read them from the index.
func Each(row string) string {
	arr := SQL(Text(row))
	return "json_each(CASE WHEN json_valid(" + arr + ") THEN " + arr + " ELSE '[]' END)"
}

func quote(s string) string {
	switch s {
	case "\t":
		return "char(9)"
	case "\n":
		return "char(10)"
	case "\r":
		return "char(13)"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// cut keeps the first MaxLen characters of w.
func cut(w string) string {
	n := 0
	for i := range w {
		if n == MaxLen {
			return w[:i]
		}
		n++
	}
	return w
}
