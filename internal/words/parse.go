package words

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// parse reads one language's file: a JSON object whose values are all
// strings, each key once (encoding/json would keep the last of two
// silently, and one of them would be lost).
func parse(raw []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	words := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // an object's keys are strings, or Token fails
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		value, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%q: the value is not a string", key)
		}
		if _, twice := words[key]; twice {
			return nil, fmt.Errorf("%q is there twice", key)
		}
		words[key] = value
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("something follows the object")
	}
	return words, nil
}

// placeholder finds the first {name} of s at or after from: a name of
// letters, digits and underscores in single braces (not a mailing's
// {{name}}), as the web app's t() reads them. It gives the name and
// where the placeholder starts and ends, or ok false.
func placeholder(s string, from int) (name string, start, end int, ok bool) {
	for i := from; i < len(s); i++ {
		if s[i] != '{' || (i > 0 && s[i-1] == '{') {
			continue
		}
		j := i + 1
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if j == i+1 || j == len(s) || s[j] != '}' || (j+1 < len(s) && s[j+1] == '}') {
			continue
		}
		return s[i+1 : j], i, j + 1, true
	}
	return "", 0, 0, false
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// fill puts vars (name, value pairs) in s's placeholders; one with no
// value becomes empty, as in the web app.
func fill(s string, vars ...any) string {
	name, start, end, ok := placeholder(s, 0)
	if !ok {
		return s
	}
	out := make([]byte, 0, len(s)+16)
	last := 0
	for ; ok; name, start, end, ok = placeholder(s, last) {
		out = append(out, s[last:start]...)
		for i := 0; i+1 < len(vars); i += 2 {
			if fmt.Sprint(vars[i]) == name {
				out = fmt.Append(out, vars[i+1])
				break
			}
		}
		last = end
	}
	return string(append(out, s[last:]...))
}

// placeholders are the names of s's placeholders, sorted, each once.
func placeholders(s string) []string {
	var names []string
	for from := 0; ; {
		name, _, end, ok := placeholder(s, from)
		if !ok {
			break
		}
		names = append(names, name)
		from = end
	}
	slices.Sort(names)
	return slices.Compact(names)
}
