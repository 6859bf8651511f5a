// Package clientcsv reads a file of clients (email, name, comment, and a
// time zone under a header naming it) as a
// spreadsheet writes it: CSV with commas or semicolons, a header row or
// none, in UTF-8 or Windows-1251. It knows nothing of the server; the
// import route (hooks) stores what it reads.
package clientcsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/ozzo-validation/v4/is"
	"golang.org/x/text/encoding/charmap"

	"postrider/internal/schedule"
	"postrider/mailout"
)

// MaxRow caps one row of a file, in bytes. The CSV reader holds a row
// whole, and a quote left open makes the rest of the file one row: a file
// with a longer row is refused, naming its line. A client's row (an email,
// a name of 255 letters, a comment of 2,000) is a few KB.
const MaxRow = 1 << 20

// Row is one data row of a file: its line, its cells, and why it cannot
// be saved ("" when it can).
type Row struct {
	Line                 int
	Email, Name, Comment string
	Timezone             string // an IANA zone name, or ""; only from a column named so
	Refused              string
}

// Error is a file that cannot be read, with the message the user sees.
type Error struct {
	Code string // validation_invalid_csv, _encoding or _file
	Line int    // the line the error names in its data; 0 for none
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Read reads the whole file text, in encoding ("utf-8" or
// "windows-1251"), and calls each for every data row. It returns the
// separator it took ("," or ";"). A file that cannot be parsed to its end
// is an *Error naming the line where it broke; an error of each stops the
// reading and is returned as is.
func Read(text io.Reader, encoding string, each func(Row) error) (separator string, err error) {
	if encoding == "windows-1251" {
		text = charmap.Windows1251.NewDecoder().Reader(text)
	}
	limit := &rowCap{src: text, max: MaxRow, start: -1}
	// the CSV reader reads through this buffer itself (it takes a
	// bufio.Reader as it is), so that limit knows what it holds ahead
	in := bufio.NewReaderSize(limit, 64<<10)
	head, _ := in.Peek(in.Size())

	r := csv.NewReader(in)
	r.Comma = separatorOf(head)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	cols := map[string]int{"email": 0, "name": 1, "comment": 2}
	for first := true; ; first = false {
		rec, err := r.Read()
		if limit.cut && r.InputOffset() == limit.read {
			return "", rowTooLong(rowStart(err, r))
		}
		limit.rowDone(in)
		if errors.Is(err, io.EOF) {
			return string(r.Comma), nil
		}
		if err != nil {
			return "", csvError(err)
		}
		line, _ := r.FieldPos(0)
		if first {
			if named, ok := headerColumns(rec); ok {
				cols = named
				continue
			}
		}
		// a copy: the row's cells share one string with the whole row
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return strings.Clone(strings.TrimSpace(rec[i]))
			}
			return ""
		}
		// a line break in a name cell (Alt+Enter in Excel) is layout, not
		// part of the name: the client is kept, with the name on one line
		row := Row{Line: line, Email: get("email"), Name: OneLine(get("name")), Comment: get("comment"), Timezone: get("timezone")}
		switch {
		case row.Email == "":
			row.Refused = "no email"
		case len(row.Email) > 255 || is.EmailFormat.Validate(row.Email) != nil: // no pattern run on a megabyte cell
			row.Refused = "not an email address"
		case !mailout.AddressFits(row.Email):
			row.Refused = "the email address is too long (at most 254 characters, 64 before the @)"
		case utf8.RuneCountInString(row.Name) > 255 || utf8.RuneCountInString(row.Comment) > 2000:
			row.Refused = "the name or the comment is too long"
		case row.Timezone != "" && !schedule.KnownZone(row.Timezone):
			row.Refused = "unknown time zone (an IANA name such as Europe/Moscow, or empty)"
		}
		if err := each(row); err != nil {
			return "", err
		}
	}
}

// OneLine makes a name one line, as the server's names check wants it:
// each run of control characters, with the spaces around it, becomes one
// space (a spreadsheet cell with a line break in it, "Ivanov⏎Ivan",
// becomes "Ivanov Ivan"). A name without control characters is left as
// it is.
func OneLine(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }), " ")
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

// rowTooLong refuses a file with a row over MaxRow, naming the line where
// that row starts.
func rowTooLong(line int) error {
	msg := fmt.Sprintf("The file cannot be read as CSV, so nothing was imported: line %d: the row that starts there runs over %d MB "+
		"(a quoted value that is not closed?).", line, MaxRow>>20)
	return &Error{Code: "validation_invalid_csv", Line: line, Msg: msg}
}

// csvError refuses a file that cannot be parsed, saying where it broke.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &Error{Code: "validation_invalid_file", Msg: "The file cannot be read: " + err.Error()}
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
	return &Error{Code: "validation_invalid_csv", Line: pe.StartLine, Msg: "The file cannot be read as CSV, so nothing was imported: " + where + "."}
}

// separatorOf is ';' when the first line has semicolons and no commas
// outside quotes, as a Russian Excel writes CSV; ',' otherwise.
func separatorOf(text []byte) rune {
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

// headerColumns reads a header row: the email, name and comment columns
// by their names, in English or Russian. ok is false when the row names no
// email column (then it is a client, and the columns go by position).
func headerColumns(rec []string) (cols map[string]int, ok bool) {
	names := map[string][]string{
		"email":    {"email", "e-mail", "mail", "почта", "эл. почта", "email address"},
		"name":     {"name", "full name", "fio", "фио", "имя"},
		"comment":  {"comment", "comments", "note", "комментарий"},
		"timezone": {"timezone", "time zone", "tz", "часовой пояс"},
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
