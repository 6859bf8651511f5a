package clientcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// files are the seeds of the fuzz targets: what the import tests send, and
// hostile cases.
var files = []string{
	"email,name,comment\nnew1@example.org,New One,from the fair\nnot an email,Someone,\n,No email,\nnew2@example.org,\"Doe, Jane\",\"said \"\"hi\"\"\"\n",
	"email,name\nrow2@example.org,Row 2\n\"Stray quote,someone\nrow4@example.org,Row 4\n",
	"a@example.org,Jane \"JJ\" Doe\nb@example.org,B\n",
	"Почта;ФИО;Комментарий\r\nivan@example.ru;Иван Петров;Постоянный клиент, «VIP»\r\n",
	"email;name\nsemi@example.org;Semi, Colon\n",
	"jose@example.org,Jos\xe9\n",
	"email,name\nfirst@example.org,First\n\r\n\n\r\n\nlast@example.org,Last\n",
	"ok@example.org,Ok\n\n\r\n\"open@example.org,Open\na@example.org,A\n",
	"a@example.org,A,\"a comment\n\n\non lines\"\nb@example.org,\"Ivanov\r\nIvan\"\n",
	"\x00\x01binary", "\"", "\r", ",,,,\n;;;", "name,email\nAnna,anna@example.org\n", "email\n" + strings.Repeat("x", 300) + "@example.org\n",
}

// Whatever a file holds, it is read whole or refused with a message naming
// a line of it; its rows come in the order of their lines, each cell
// within the row cap and trimmed, names on one line, and a row taken only
// with an email address. Its text check says the same however the upload
// is cut into blocks, and calls it UTF-8 only when it is.
func FuzzRead(f *testing.F) {
	for _, file := range files {
		f.Add([]byte(file), uint16(len(file)/2))
	}
	f.Fuzz(func(t *testing.T, file []byte, cut uint16) {
		var whole, split Text
		whole.Write(file)
		at := min(int(cut), len(file))
		split.Write(file[:at])
		split.Write(file[at:])
		encoding, err := whole.Encoding()
		encoding2, err2 := split.Encoding()
		if encoding != encoding2 || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("the text check reads %q as %q (%v), and cut at %d as %q (%v)", file, encoding, err, at, encoding2, err2)
		}
		if encoding == "utf-8" && (!utf8.Valid(file) || bytes.IndexByte(file, 0) >= 0) {
			t.Fatalf("%q is taken as UTF-8 text", file)
		}
		if err != nil {
			return
		}

		lines := bytes.Count(file, []byte("\n")) + 1
		last := 0
		_, err = Read(bytes.NewReader(file), encoding, func(row Row) error {
			if row.Line <= last || row.Line > lines {
				t.Fatalf("a row on line %d after line %d, in a file of %d lines", row.Line, last, lines)
			}
			last = row.Line
			for _, cell := range []string{row.Email, row.Name, row.Comment} {
				if len(cell) > MaxRow || cell != strings.TrimSpace(cell) {
					t.Fatalf("line %d: a cell of %d bytes, %q", row.Line, len(cell), cell)
				}
			}
			if OneLine(row.Name) != row.Name {
				t.Fatalf("line %d: the name %q is not one line", row.Line, row.Name)
			}
			if row.Refused == "" && !strings.Contains(row.Email, "@") {
				t.Fatalf("line %d: %q is taken as an email", row.Line, row.Email)
			}
			return nil
		})
		var refused *Error
		switch {
		case err == nil:
		case !errors.As(err, &refused) || refused.Code != "validation_invalid_csv":
			t.Fatalf("%q is refused with %v", file, err)
		case refused.Line < 1 || refused.Line > lines:
			t.Fatalf("%q is refused naming line %d of %d: %v", file, refused.Line, lines, err)
		}
	})
}

// A file a spreadsheet writes (CSV with a header, in UTF-8 or Windows-1251)
// reads back as the rows in it: each cell trimmed, a name on one line.
func FuzzReadWhatASpreadsheetWrites(f *testing.F) {
	f.Add("anna@example.org", "Anna Smith", "VIP", false)
	f.Add(" spaced@example.org ", "Doe, \"JJ\" Jane", "a comment\r\non lines", false)
	f.Add("ivan@example.ru", "Иван;Петров", "Постоянный клиент, «VIP»", true)
	f.Add("not an email", "Ivanov\nIvan", "", false)
	f.Add("", "", "", true)
	f.Fuzz(func(t *testing.T, email, name, comment string, cp1251 bool) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = ','
		encoding := "utf-8"
		if cp1251 {
			w.Comma, encoding = ';', "windows-1251"
		}
		records := [][]string{{"email", "name", "comment"}, {email, name, comment}, {"second@example.org", name, ""}}
		w.WriteAll(records)
		file := buf.Bytes()
		if cp1251 {
			var err error
			if file, err = charmap.Windows1251.NewEncoder().Bytes(file); err != nil {
				t.Skip("not text Windows-1251 can hold")
			}
		}
		var got []Row
		separator, err := Read(bytes.NewReader(file), encoding, func(row Row) error {
			got = append(got, row)
			return nil
		})
		if err != nil {
			t.Fatalf("%q is refused: %v", file, err)
		}
		if separator != string(w.Comma) {
			t.Fatalf("%q is read with %q between cells", file, separator)
		}
		if len(got) != 2 {
			t.Fatalf("%q reads as %d rows: %+v", file, len(got), got)
		}
		cell := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
		want := Row{Email: cell(email), Name: OneLine(cell(name)), Comment: cell(comment)}
		if g := got[0]; g.Line != 2 || g.Email != want.Email || g.Name != want.Name || g.Comment != want.Comment {
			t.Fatalf("%q reads as %+v, want %+v on line 2", file, g, want)
		}
		tooLong := ""
		if utf8.RuneCountInString(want.Name) > 255 {
			tooLong = "the name or the comment is too long"
		}
		if g := got[1]; g.Email != "second@example.org" || g.Name != want.Name || g.Refused != tooLong {
			t.Fatalf("%q: the row after it reads as %+v", file, g)
		}
	})
}
