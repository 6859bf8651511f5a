package hooks

import (
	"errors"
	"os"
	"strings"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"

	"postrider/internal/clientcsv"
)

// importFile is an uploaded file, spooled to disk as it came (without its
// byte order mark), with what was seen of its text on the way.
type importFile struct {
	path string
	text clientcsv.Text
}

// encoding is the file's text encoding, or the error that refuses it.
func (f *importFile) encoding() (string, error) {
	encoding, err := f.text.Encoding()
	return encoding, refusedFile(err)
}

// rows reads the whole file, counts and checks its rows into report, and
// calls each for every row that can be saved (emails twice in the file
// included: the database tells them apart). A file that cannot be parsed
// to its end is an error naming the line where it broke; an error of each
// stops the reading and is returned as is.
func (f *importFile) rows(encoding string, report *ImportReport, each func(clientcsv.Row) error) error {
	file, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer file.Close()
	separator, err := clientcsv.Read(file, encoding, func(row clientcsv.Row) error {
		report.Rows++
		if len(report.Sample) < importSampleRows {
			report.Sample = append(report.Sample, Sample{row.Line, row.Email, row.Name, row.Comment})
		}
		if row.Refused == "" {
			return each(row)
		}
		report.Refused++
		if len(report.Problems) < importMaxProblems {
			report.Problems = append(report.Problems, Problem{Line: row.Line, Email: clip(row.Email, 255), Reason: row.Refused})
		}
		return nil
	})
	report.Separator = separator
	return refusedFile(err)
}

// refusedFile answers a file clientcsv refused with 400, naming the file
// (and the line, where the error has one) in its data; any other error is
// returned as is.
func refusedFile(err error) error {
	var refused *clientcsv.Error
	if !errors.As(err, &refused) {
		return err
	}
	e := validation.NewError(refused.Code, refused.Msg)
	if refused.Line > 0 {
		e = e.SetParams(map[string]any{"line": refused.Line})
	}
	return apis.NewBadRequestError(refused.Msg, validation.Errors{"file": e})
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

// foldASCII lowercases ASCII letters only, as SQLite's NOCASE does.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
