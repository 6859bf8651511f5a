package words

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// keyShape is a key: a namespace and one or more names, dotted.
var keyShape = regexp.MustCompile(`^[a-z]+(\.[A-Za-z0-9_]+)+$`)

var (
	// a quoted string in JavaScript or Go
	quoted = regexp.MustCompile(`'([^'\\\n]*)'|"([^"\\\n]*)"`)
	// a key made in JavaScript: `delivery.${status}`
	keyPrefix = regexp.MustCompile("`([a-z]+(?:\\.[A-Za-z0-9_]+)*\\.)\\$\\{")
	// a key in a template, Go's html/template or text/template: {{t "blog.title"}}
	templateKey = regexp.MustCompile(`\bt "([^"]+)"`)
)

// Every key the code names exists: each string in the web app's
// JavaScript, in the Go that shows words (hooks/, dispatch/) and in the
// blog's templates that has the shape of a key in one of the files'
// namespaces ("blog.title", not "postrider.lang"), each key a template
// asks for with t, and a key at least under each prefix the web app
// completes at run time (`status.${s}`). A key renamed in the files but
// not in the code would show as the key itself on the page.
func TestEveryKeyTheCodeUsesExists(t *testing.T) {
	en := catalog[Languages[0]].words
	namespaces := map[string]bool{}
	for key := range en {
		ns, _, _ := strings.Cut(key, ".")
		namespaces[ns] = true
	}
	checked := 0
	check := func(where, key string) {
		checked++
		if _, ok := en[key]; !ok {
			t.Errorf("%s names %q, which is in no words file", where, key)
		}
	}
	root := filepath.Join("..", "..")
	for _, dir := range []string{"pb_public/js", "pb_hooks/blog", "hooks", "dispatch"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || !slices.Contains([]string{".js", ".go", ".html", ".xml"}, filepath.Ext(path)) {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			where, _ := filepath.Rel(root, path)
			for _, m := range templateKey.FindAllStringSubmatch(string(src), -1) {
				check(where, m[1])
			}
			if filepath.Ext(path) == ".html" || filepath.Ext(path) == ".xml" {
				return nil
			}
			for _, m := range quoted.FindAllStringSubmatch(string(src), -1) {
				s := m[1] + m[2]
				if ns, _, _ := strings.Cut(s, "."); keyShape.MatchString(s) && namespaces[ns] {
					check(where, s)
				}
			}
			for _, m := range keyPrefix.FindAllStringSubmatch(string(src), -1) {
				checked++
				if !anyUnder(en, m[1]) {
					t.Errorf("%s makes keys under %q, and no words file has one", where, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// the scan reads the code it means to: the web app alone names
	// hundreds of keys
	if checked < 300 {
		t.Fatalf("only %d uses of keys found: does the test read the right folders?", checked)
	}
}

// anyUnder tells whether some key of words starts with prefix.
func anyUnder(words map[string]string, prefix string) bool {
	for key := range words {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}
