// Package docs holds the project's documentation. Its test keeps the docs
// from rotting silently: every relative link and image resolves, every
// anchor names a heading, and every quoted `go run ./bench …` and
// `go test … -run/-bench …` command names a benchmark, subcommand, flag or
// test that exists.
package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// root is the repository, seen from this package's folder.
const root = ".."

// markdownFiles lists README.md and every .md file under docs/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, filepath.Join(root, "docs", path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var fence = regexp.MustCompile("(?m)^ *```")

// prose is the text outside fenced code blocks; code is the lines inside them.
func split(text string) (prose string, code []string) {
	parts := fence.Split(text, -1)
	for i, p := range parts {
		if i%2 == 0 {
			prose += p + "\n"
			continue
		}
		_, body, _ := strings.Cut(p, "\n") // drop the fence's language tag
		code = append(code, strings.Split(body, "\n")...)
	}
	return prose, code
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	imgSrc  = regexp.MustCompile(`src="([^"]+)"`)
	heading = regexp.MustCompile(`(?m)^#{1,6} +(.+)$`)
	notSlug = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// anchors are the GitHub anchors of a Markdown file's headings.
func anchors(text string) map[string]bool {
	prose, _ := split(text)
	found := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(prose, -1) {
		slug := notSlug.ReplaceAllString(strings.ToLower(strings.TrimSpace(m[1])), "")
		found[strings.ReplaceAll(slug, " ", "-")] = true
	}
	return found
}

func TestRelativeLinksResolve(t *testing.T) {
	for _, file := range markdownFiles(t) {
		text := read(t, file)
		prose, _ := split(text)
		var targets []string
		for _, m := range mdLink.FindAllStringSubmatch(prose, -1) {
			targets = append(targets, m[1])
		}
		for _, m := range imgSrc.FindAllStringSubmatch(prose, -1) {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := file
			if path != "" {
				dest = filepath.Join(filepath.Dir(file), path)
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s links to %s, which does not exist", file, target)
					continue
				}
			}
			if anchor != "" && !anchors(read(t, dest))[anchor] {
				t.Errorf("%s links to %s: %s has no heading with that anchor", file, target, dest)
			}
		}
	}
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	spaces   = regexp.MustCompile(`\s+`)
)

// commands are the shell commands the docs quote: each code span (a span
// may wrap across lines) and each line of a code block, cut at a comment,
// `&&` or `;`.
func commands(t *testing.T) map[string][]string {
	t.Helper()
	byFile := map[string][]string{}
	for _, file := range markdownFiles(t) {
		prose, code := split(read(t, file))
		var quoted []string
		for _, m := range codeSpan.FindAllStringSubmatch(spaces.ReplaceAllString(prose, " "), -1) {
			quoted = append(quoted, m[1])
		}
		quoted = append(quoted, code...)
		for _, q := range quoted {
			q, _, _ = strings.Cut(q, " #")
			for _, c := range regexp.MustCompile(`&&|;`).Split(q, -1) {
				byFile[file] = append(byFile[file], strings.TrimSpace(c))
			}
		}
	}
	return byFile
}

// words splits a command as a shell would, for the simple quoting the docs use.
func words(command string) []string {
	var out []string
	for _, w := range regexp.MustCompile(`'[^']*'|"[^"]*"|\S+`).FindAllString(command, -1) {
		out = append(out, strings.Trim(w, `'"`))
	}
	return out
}

// goFiles parses a package's Go files (tests too when tests is set).
func goFiles(t *testing.T, dir string, tests bool) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") != tests {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func funcNamed(files []*ast.File, name string) *ast.FuncDecl {
	for _, f := range files {
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
				return fn
			}
		}
	}
	return nil
}

// flagsOf are the flags a function defines: calls such as flag.Int("n", …)
// or fs.String("out", …) with the name as a string literal.
func flagsOf(fn *ast.FuncDecl) map[string]bool {
	flags := map[string]bool{}
	ast.Inspect(fn, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		lit, isLit := call.Args[0].(*ast.BasicLit)
		if ok && isLit && lit.Kind == token.STRING &&
			regexp.MustCompile(`^(Int|Int64|Uint|String|Bool|Float64|Duration)$`).MatchString(sel.Sel.Name) {
			name, _ := strconv.Unquote(lit.Value)
			flags[name] = true
		}
		return true
	})
	return flags
}

// subcommands reads bench/main.go's table of subcommands: name → function.
func subcommands(files []*ast.File) map[string]string {
	subs := map[string]string{}
	ast.Inspect(funcNamed(files, "main"), func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if _, isMap := lit.Type.(*ast.MapType); !isMap {
			return true
		}
		for _, e := range lit.Elts {
			kv := e.(*ast.KeyValueExpr)
			key, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			subs[key] = kv.Value.(*ast.Ident).Name
		}
		return false
	})
	return subs
}

var benchRun = regexp.MustCompile(`^go run \./bench(/[\w-]+)?(?: |$)(.*)$`)

func TestBenchCommandsExist(t *testing.T) {
	seen := 0
	for file, cmds := range commands(t) {
		for _, c := range cmds {
			_, after, ok := strings.Cut(c, "go run ./bench")
			if !ok {
				continue
			}
			m := benchRun.FindStringSubmatch("go run ./bench" + after)
			if m == nil {
				t.Errorf("%s: cannot read %q", file, c)
				continue
			}
			seen++
			dir := "bench" + m[1]
			if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
				t.Errorf("%s: %q: there is no %s", file, c, dir)
				continue
			}
			files := goFiles(t, dir, false)
			args := words(m[2])
			fn := funcNamed(files, "main")
			if dir == "bench" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				name, ok := subcommands(files)[args[0]]
				if !ok {
					t.Errorf("%s: %q: bench/main.go has no subcommand %q", file, c, args[0])
					continue
				}
				fn, args = funcNamed(files, name), args[1:]
			}
			flags := flagsOf(fn)
			for _, a := range args {
				if name, isFlag := strings.CutPrefix(a, "-"); isFlag && !flags[strings.SplitN(name, "=", 2)[0]] {
					t.Errorf("%s: %q: %s defines no flag %s", file, c, dir, a)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the docs quote no go run ./bench command: the reader above is broken")
	}
}

var testFunc = regexp.MustCompile(`^(Test|Benchmark)\w*$`)

// TestGoTestCommandsNameTests checks that each quoted go test command's
// -bench names a benchmark and each alternative of its -run (but the
// conventional "x" that runs none) names a test of its packages.
func TestGoTestCommandsNameTests(t *testing.T) {
	seen := 0
	for file, cmds := range commands(t) {
		for _, c := range cmds {
			_, after, ok := strings.Cut(c, "go test")
			if !ok || strings.HasPrefix(after, "s") { // not "go tests"
				continue
			}
			args := words(after)
			var pkgs []string
			patterns := map[string]string{}
			for i := 0; i < len(args); i++ {
				a := args[i]
				switch {
				case a == "./..." || a == "-v" || a == "-benchmem":
				case a == "-run" || a == "-bench":
					if i+1 < len(args) {
						patterns[a] = args[i+1]
					}
					i++
				case strings.HasPrefix(a, "-"):
					i++ // -count, -benchtime and the like take a value
				default:
					pkgs = append(pkgs, strings.TrimSuffix(a, "/"))
				}
			}
			if len(pkgs) == 0 {
				pkgs = []string{"."}
			}
			var names []string
			for _, p := range pkgs {
				if _, err := os.Stat(filepath.Join(root, p)); err != nil {
					t.Errorf("%s: %q: there is no package %s", file, c, p)
					continue
				}
				for _, f := range goFiles(t, p, true) {
					for _, d := range f.Decls {
						if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && testFunc.MatchString(fn.Name.Name) {
							names = append(names, fn.Name.Name)
						}
					}
				}
			}
			seen++
			check := func(flag, prefix, pattern string) {
				re, err := regexp.Compile(pattern)
				if err != nil {
					t.Errorf("%s: %q: %s %q is no regexp: %v", file, c, flag, pattern, err)
					return
				}
				for _, n := range names {
					if strings.HasPrefix(n, prefix) && re.MatchString(n) {
						return
					}
				}
				t.Errorf("%s: %q: no %s in %v matches %s %s", file, c, prefix, pkgs, flag, pattern)
			}
			if p, ok := patterns["-bench"]; ok {
				check("-bench", "Benchmark", p)
			}
			if p, ok := patterns["-run"]; ok && p != "x" {
				for _, alt := range strings.Split(p, "|") {
					check("-run", "Test", alt)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("the docs quote no go test command: the reader above is broken")
	}
}
