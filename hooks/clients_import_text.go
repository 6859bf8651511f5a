package hooks

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/apis"
	"golang.org/x/text/encoding/charmap"
)

// importMaxRow caps one row of a file, in bytes. The CSV reader holds a
// row whole, and a quote left open makes the rest of the file one row: a
// file with a longer row is refused, naming its line. A client's row
// (an email, a name of 255 letters, a comment of 2,000) is a few KB.
const importMaxRow = 1 << 20

// importFile is an uploaded file, spooled to disk as it came (without its
// byte order mark), with what was seen of its text on the way.
type importFile struct {
	path string
	text textCheck
}

// rows reads the whole file, counts and checks its rows into report, and
// calls each for every row that can be saved (emails twice in the file
// included: the database tells them apart). A file that cannot be parsed
// to its end is an error naming the line where it broke; an error of each
// stops the reading and is returned as is.
func (f *importFile) rows(encoding string, report *ImportReport, each func(importRow) error) error {
	file, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer file.Close()
	var text io.Reader = file
	if encoding == "windows-1251" {
		text = charmap.Windows1251.NewDecoder().Reader(file)
	}
	limit := &rowCap{src: text, max: importMaxRow, start: -1}
	// the CSV reader reads through this buffer itself (it takes a
	// bufio.Reader as it is), so that limit knows what it holds ahead
	in := bufio.NewReaderSize(limit, 64<<10)
	head, _ := in.Peek(in.Size())

	refuse := func(line int, email, reason string) {
		report.Refused++
		if len(report.Problems) < importMaxProblems {
			report.Problems = append(report.Problems, Problem{Line: line, Email: clip(email, 255), Reason: reason})
		}
	}
	r := csv.NewReader(in)
	r.Comma = separator(head)
	report.Separator = string(r.Comma)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	cols := map[string]int{"email": 0, "name": 1, "comment": 2}
	for first := true; ; first = false {
		rec, err := r.Read()
		if limit.cut && r.InputOffset() == limit.read {
			return rowTooLong(rowStart(err, r))
		}
		limit.rowDone(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := r.FieldPos(0)
		if first {
			if named, ok := headerColumns(rec); ok {
				cols = named
				continue
			}
		}
		report.Rows++
		// a copy: the row's cells share one string with the whole row
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return strings.Clone(strings.TrimSpace(rec[i]))
			}
			return ""
		}
		// a line break in a name cell (Alt+Enter in Excel) is layout, not
		// part of the name: the client is kept, with the name on one line
		email, name, comment := get("email"), oneLine(get("name")), get("comment")
		if len(report.Sample) < importSampleRows {
			report.Sample = append(report.Sample, Sample{line, email, name, comment})
		}
		switch {
		case email == "":
			refuse(line, email, "no email")
		case len(email) > 255 || is.EmailFormat.Validate(email) != nil:
			refuse(line, email, "not an email address")
		case utf8.RuneCountInString(name) > 255 || utf8.RuneCountInString(comment) > 2000:
			refuse(line, email, "the name or the comment is too long")
		default:
			if err := each(importRow{line, email, name, comment}); err != nil {
				return err
			}
		}
	}
}

// clip cuts s to at most n bytes, at a character's start, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// rowStart is the line where the row r has just read (with err) starts.
func rowStart(err error, r *csv.Reader) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	if err != nil {
		return 0
	}
	line, _ := r.FieldPos(0)
	return line
}

// rowTooLong refuses a file with a row over importMaxRow, naming the line
// where that row starts.
func rowTooLong(line int) error {
	msg := fmt.Sprintf("The file cannot be read as CSV, so nothing was imported: line %d: the row that starts there runs over %d MB "+
		"(a quoted value that is not closed?).", line, importMaxRow>>20)
	return apis.NewBadRequestError(msg, validation.Errors{
		"file": validation.NewError("validation_invalid_csv", msg).SetParams(map[string]any{"line": line}),
	})
}

// rowCap passes the text on and ends it early, as if the file ended there,
// once the row being read has run over max bytes. Blank lines before a row
// are no part of it: the CSV reader skips them.
type rowCap struct {
	src   io.Reader
	max   int64
	read  int64 // bytes passed on
	start int64 // where the row being read starts; -1 while only blank lines came
	cr    bool  // the byte before is a '\r' that may begin a blank line
	cut   bool  // the text was ended early
}

func (c *rowCap) Read(p []byte) (int, error) {
	if c.start >= 0 {
		room := c.start + c.max - c.read
		if room <= 0 {
			c.cut = true
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), room)]
	}
	n, err := c.src.Read(p)
	c.scan(p[:n], c.read)
	c.read += int64(n)
	return n, err
}

// scan looks for the start of the row in b, which is at offset at of the
// text: the first byte that is not part of a blank line ("\n", "\r\n").
func (c *rowCap) scan(b []byte, at int64) {
	for i := 0; c.start < 0 && i < len(b); i++ {
		switch {
		case b[i] == '\n':
			c.cr = false
		case b[i] == '\r' && !c.cr:
			c.cr = true
		case c.cr:
			c.start = at + int64(i) - 1
		default:
			c.start = at + int64(i)
		}
	}
}

// rowDone says that the CSV reader has read a row: the next one starts in
// what it holds ahead in in, or after it.
func (c *rowCap) rowDone(in *bufio.Reader) {
	c.start, c.cr = -1, false
	ahead, _ := in.Peek(in.Buffered())
	c.scan(ahead, c.read-int64(len(ahead)))
}

// textCheck looks at a file as it is written out: the line of its first
// NUL byte and of its first byte that is not UTF-8, and whether its
// letters above ASCII read as Cyrillic words in Windows-1251 (see
// encoding).
type textCheck struct {
	lines   int    // line breaks so far
	nulLine int    // the line of the first NUL byte, 0 while none
	badLine int    // the line of the first byte that is not UTF-8, 0 while none
	carry   []byte // a character cut at the end of the last block

	letters, inWords     int  // Windows-1251 letters, and those next to another
	prevLetter, lastLone bool // the byte before is a letter; one not counted in a word yet
	undefined            bool // the one byte Windows-1251 leaves undefined was seen
}

// cp1251Letter: А–я, Ё ё, and the Ukrainian and Belarusian Ґ ґ Є є І і Ї ї Ў ў.
var cp1251Letter = func() (t [256]bool) {
	for c := 0xC0; c <= 0xFF; c++ {
		t[c] = true
	}
	for _, c := range []byte{0xA8, 0xB8, 0xA5, 0xB4, 0xAA, 0xBA, 0xB2, 0xB3, 0xAF, 0xBF, 0xA1, 0xA2} {
		t[c] = true
	}
	return t
}()

func (t *textCheck) Write(b []byte) (int, error) {
	if t.nulLine == 0 {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			t.nulLine = t.lines + bytes.Count(b[:i], []byte("\n")) + 1
		}
	}
	if t.badLine == 0 {
		t.checkUTF8(b)
	}
	for _, c := range b {
		if c == 0x98 {
			t.undefined = true
		}
		letter := cp1251Letter[c]
		if letter {
			t.letters++
			if t.prevLetter {
				t.inWords++
			}
			if t.lastLone {
				t.inWords++
			}
			t.lastLone = !t.prevLetter
		} else {
			t.lastLone = false
		}
		t.prevLetter = letter
	}
	t.lines += bytes.Count(b, []byte("\n"))
	return len(b), nil
}

// checkUTF8 checks the block b, the end of a character cut at the end of
// the last block first; a character cut at its own end waits for the next.
func (t *textCheck) checkUTF8(b []byte) {
	for len(t.carry) > 0 && len(b) > 0 && !utf8.FullRune(t.carry) {
		t.carry, b = append(t.carry, b[0]), b[1:]
	}
	if len(t.carry) > 0 && utf8.FullRune(t.carry) {
		if r, size := utf8.DecodeRune(t.carry); r == utf8.RuneError && size <= 1 || size != len(t.carry) {
			t.badLine = t.lines + 1
			return
		}
		t.carry = t.carry[:0]
	}
	whole := len(b)
	for i := len(b) - 1; i >= max(0, len(b)-utf8.UTFMax+1); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				whole = i
			}
			break
		}
	}
	if utf8.Valid(b[:whole]) {
		t.carry = append(t.carry, b[whole:]...)
		return
	}
	bad := 0
	for {
		r, size := utf8.DecodeRune(b[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	t.badLine = t.lines + bytes.Count(b[:bad], []byte("\n")) + 1
}

// encoding is the file's text encoding, once it is all written: UTF-8, or
// Windows-1251 (what a Russian Excel writes as "CSV") when it is not UTF-8
// and looks like Cyrillic words in it; anything else is refused rather
// than stored as is.
func (t *textCheck) encoding() (string, error) {
	refuse := func(msg string) error {
		return apis.NewBadRequestError(msg, fieldError("file", "validation_invalid_encoding", msg))
	}
	if t.nulLine > 0 {
		return "", refuse(fmt.Sprintf(
			"Line %d holds binary data: this is not a CSV text file (a spreadsheet, or text in UTF-16?). Save it as “CSV UTF-8” and import it again.",
			t.nulLine))
	}
	if t.badLine == 0 && len(t.carry) > 0 {
		t.badLine = t.lines + 1 // the file ends inside a character
	}
	if t.badLine == 0 {
		return "utf-8", nil
	}
	if t.looksLikeWindows1251() {
		return "windows-1251", nil
	}
	return "", refuse(fmt.Sprintf(
		"The file is neither UTF-8 text (line %d is not) nor Cyrillic in Windows-1251. Save it as “CSV UTF-8” and import it again.",
		t.badLine))
}

// looksLikeWindows1251 tells whether the letters above ASCII read as
// Cyrillic words in Windows-1251: nearly all of them next to another
// letter (punctuation such as « » – is left out of the count). The lone
// accents of Latin-1 (José, Müller) do not, nor UTF-8 with a broken byte.
func (t *textCheck) looksLikeWindows1251() bool {
	return !t.undefined && t.letters > 0 && t.inWords*10 >= t.letters*8
}

// separator is ';' when the first line has semicolons and no commas
// outside quotes, as a Russian Excel writes CSV; ',' otherwise.
func separator(text []byte) rune {
	commas, semicolons, quoted := 0, 0, false
	for _, c := range text {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semicolons > 0 && commas == 0 {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > 0 && commas == 0 {
		return ';'
	}
	return ','
}

// csvError refuses a file that cannot be parsed, saying where it broke.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		msg := "The file cannot be read: " + err.Error()
		return apis.NewBadRequestError(msg, fieldError("file", "validation_invalid_file", msg))
	}
	var where string
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
		where = fmt.Sprintf("line %d: a quoted value starts there and is not closed where it should be (the file could be read only up to line %d)", pe.StartLine, pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		where = fmt.Sprintf("line %d, column %d: a quote where a quoted value should end (a quote inside a quoted value is written twice: \"\")", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		where = fmt.Sprintf("line %d, column %d: a quote inside a value that is not in quotes (put the value in quotes and write the quote twice: \"\")", pe.Line, pe.Column)
	default:
		where = fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	msg := "The file cannot be read as CSV, so nothing was imported: " + where + "."
	return apis.NewBadRequestError(msg, validation.Errors{
		"file": validation.NewError("validation_invalid_csv", msg).SetParams(map[string]any{"line": pe.StartLine}),
	})
}

// foldASCII lowercases ASCII letters only, as SQLite's NOCASE does.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// headerColumns reads a header row: the email, name and comment columns
// by their names, in English or Russian. ok is false when the row names no
// email column (then it is a client, and the columns go by position).
func headerColumns(rec []string) (cols map[string]int, ok bool) {
	names := map[string][]string{
		"email":   {"email", "e-mail", "mail", "почта", "эл. почта", "email address"},
		"name":    {"name", "full name", "fio", "фио", "имя"},
		"comment": {"comment", "comments", "note", "комментарий"},
	}
	cols = map[string]int{}
	for i, c := range rec {
		c = strings.ToLower(strings.TrimSpace(c))
		for field, words := range names {
			if slices.Contains(words, c) {
				cols[field] = i
			}
		}
	}
	_, ok = cols["email"]
	return cols, ok
}
