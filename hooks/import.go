package hooks

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
	"golang.org/x/text/encoding/charmap"
)

// ImportReport says what an import of clients did (or would do, dry).
type ImportReport struct {
	Rows       int       `json:"rows"`       // data rows read
	Added      int       `json:"added"`      // new clients
	Duplicates int       `json:"duplicates"` // already clients (or twice in the file): put into the list, not added again
	Refused    int       `json:"refused"`
	Problems   []Problem `json:"problems"` // the first refused rows, with why
	DryRun     bool      `json:"dry_run"`
	Encoding   string    `json:"encoding"`  // "utf-8", or "windows-1251" when the file was converted from it
	Separator  string    `json:"separator"` // "," or ";"
	// the first data rows as the server read them (email, name, comment),
	// which the web app's preview shows, so that both agree
	Sample []Sample `json:"sample"`
}

// Sample is one data row as read from the file.
type Sample struct {
	Line    int    `json:"line"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Comment string `json:"comment"`
}

// Problem is one refused row.
type Problem struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

const (
	// importMaxBytes caps the file. A CSV of a million clients (email,
	// name, comment) is about 60 MB; the route has no PocketBase body
	// limit (its default, 32 MiB, would answer 413 with no field first), so
	// that this cap is the one a user meets, with a message naming it.
	importMaxBytes = 64 << 20
	// importFormSlack is what the form may hold beside the file (the list,
	// dry_run and the multipart boundaries).
	importFormSlack   = 1 << 20
	importMaxProblems = 100
)

// The rows go in by chunks, each in its own short transaction, so that a
// big import never holds SQLite's one write lock for long: the REST API
// (which waits for the lock in this process) and a `postrider dispatch`
// beside it (which waits in SQLite's busy handler, 10 s at most) get it
// between two chunks. 5,000 rows hold the lock for about 25 ms (cgo
// SQLite on 2 cores, a million rows: 200 chunks, the longest 50 to 100 ms
// when a checkpoint falls in it; go run ./bench/importbench), and the
// pause lets a writer of another process, whose busy handler looks again
// only every few tens of milliseconds, find the lock free.
const (
	importChunkRows  = 5000
	importSampleRows = 5
	importChunkPause = 5 * time.Millisecond
)

func bindImport(app core.App) {
	// a CSV file of clients (email, name, comment) into the caller's
	// clients and, optionally, one of their lists: the fast way in for a
	// million rows (a record save each would take hours)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/postrider/clients/import", importClients).
			Bind(apis.RequireAuth("users")).
			Unbind(apis.DefaultBodyLimitMiddlewareId) // importClients applies its own cap
		return se.Next()
	})
}

// importRow is one row of the file that will be saved (or recognised as
// a client already there).
type importRow struct {
	line                 int
	email, name, comment string
}

func importClients(e *core.RequestEvent) error {
	owner := e.Auth.Id
	form, err := readImportForm(e)
	if err != nil {
		return err
	}
	if form.list != "" {
		var n int
		err := e.App.DB().Select("COUNT(*)").From("lists").Where(dbx.HashExp{"id": form.list, "owner": owner}).Row(&n)
		if err != nil || n == 0 {
			return e.BadRequestError("Choose one of your own lists.", fieldError("list", "validation_not_owner", "Choose one of your own lists."))
		}
	}

	// the whole file is read and checked before anything is written: a
	// file that cannot be read to its end is refused whole
	text, encoding, err := importText(form.file)
	if err != nil {
		return err
	}
	report := ImportReport{DryRun: form.dry, Problems: []Problem{}, Sample: []Sample{}, Encoding: encoding, Separator: ","}
	rows, err := readImportRows(text, &report)
	if err != nil {
		return err
	}

	// then it goes in by chunks; the unique index on (owner, email) tells
	// which rows are clients already, as the database has them at the time
	// of each chunk (another import or a REST save may run beside this one)
	ids := importIDs(security.RandomStringWithAlphabet(8, "abcdefghijklmnopqrstuvwxyz0123456789"))
	for start := 0; start < len(rows); start += importChunkRows {
		chunk := rows[start:min(start+importChunkRows, len(rows))]
		added, err := importChunk(e.App, owner, form.list, chunk, ids, start, form.dry)
		if err != nil && form.dry {
			return e.InternalServerError("The file could not be checked against your clients; try again.", err)
		}
		if err != nil {
			return importIncomplete(e, report, rows, start, err)
		}
		report.Added += added
		report.Duplicates += len(chunk) - added
		if !form.dry && start+len(chunk) < len(rows) {
			time.Sleep(importChunkPause)
		}
	}
	if report.Added >= optimizeAfterRows {
		optimize(e.App) // a list may have grown tenfold: the planner's counts too
	}
	return e.JSON(http.StatusOK, report)
}

// optimizeAfterRows is how many new clients make an import large enough to
// refresh SQLite's statistics after it.
const optimizeAfterRows = 10000

// importForm is what the multipart form of an import holds.
type importForm struct {
	file []byte
	list string
	dry  bool
}

// readImportForm reads the form, the file into memory (up to the cap).
// It reads the parts as they come instead of through ParseMultipartForm,
// so that a file over the cap is told apart from a broken upload.
func readImportForm(e *core.RequestEvent) (importForm, error) {
	tooLarge := func() error {
		msg := fmt.Sprintf("The file is larger than %d MB, the most one import takes: split it into smaller files.", importMaxBytes>>20)
		return e.Error(http.StatusRequestEntityTooLarge, msg, fieldError("file", "validation_file_size_limit", msg))
	}
	noFile := func() error {
		return e.BadRequestError("Choose a CSV file.", fieldError("file", "validation_required", "Choose a CSV file."))
	}
	if e.Request.ContentLength > importMaxBytes+importFormSlack {
		return importForm{}, tooLarge()
	}
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, importMaxBytes+importFormSlack)

	// the query may name the list and dry_run too, as FormValue allowed
	query := e.Request.URL.Query()
	form := importForm{list: strings.TrimSpace(query.Get("list")), dry: query.Get("dry_run") == "true"}
	mr, err := e.Request.MultipartReader()
	if err != nil {
		return form, noFile()
	}
	hasFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return form, tooLarge()
		}
		if err != nil {
			return form, e.BadRequestError("The upload was cut short or is not a form; send it again.",
				fieldError("file", "validation_invalid_file", "The upload was cut short or is not a form; send it again."))
		}
		limit := int64(1024)
		var buf bytes.Buffer
		if part.FormName() == "file" {
			limit = importMaxBytes
			buf.Grow(int(min(max(e.Request.ContentLength, 0), importMaxBytes+1))) // one allocation for the file
		}
		_, err = buf.ReadFrom(io.LimitReader(part, limit+1))
		value := buf.Bytes()
		if errors.As(err, &maxBytes) {
			return form, tooLarge()
		}
		if err != nil {
			return form, e.BadRequestError("The upload was cut short; send it again.",
				fieldError("file", "validation_invalid_file", "The upload was cut short; send it again."))
		}
		switch part.FormName() {
		case "file":
			if int64(len(value)) > importMaxBytes {
				return form, tooLarge()
			}
			// a form sent with no file chosen has an empty part without a name
			if part.FileName() != "" || len(value) > 0 {
				form.file, hasFile = value, true
			}
		case "list":
			form.list = strings.TrimSpace(string(value))
		case "dry_run":
			form.dry = string(value) == "true"
		}
	}
	if !hasFile {
		return form, noFile()
	}
	return form, nil
}

// importText returns the file as UTF-8 text without a byte order mark.
// Text that is not UTF-8 is taken for Windows-1251, what a Russian Excel
// writes as "CSV", and converted, when it looks like Cyrillic words;
// anything else is refused rather than stored as is.
func importText(data []byte) (text []byte, encoding string, err error) {
	refuse := func(code, msg string) error {
		return apis.NewBadRequestError(msg, fieldError("file", code, msg))
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, "", refuse("validation_invalid_encoding", fmt.Sprintf(
			"Line %d holds binary data: this is not a CSV text file (a spreadsheet, or text in UTF-16?). Save it as “CSV UTF-8” and import it again.",
			lineAt(data, i)))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if utf8.Valid(data) {
		return data, "utf-8", nil
	}
	if looksLikeWindows1251(data) {
		text, err := charmap.Windows1251.NewDecoder().Bytes(data)
		if err == nil {
			return text, "windows-1251", nil
		}
	}
	bad := 0
	for bad < len(data) {
		r, size := utf8.DecodeRune(data[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	return nil, "", refuse("validation_invalid_encoding", fmt.Sprintf(
		"The file is neither UTF-8 text (line %d is not) nor Cyrillic in Windows-1251. Save it as “CSV UTF-8” and import it again.",
		lineAt(data, bad)))
}

// looksLikeWindows1251 tells whether the letters above ASCII read as
// Cyrillic words in Windows-1251: nearly all of them next to another
// letter (punctuation such as « » – is left out of the count). The lone
// accents of Latin-1 (José, Müller) do not, nor UTF-8 with a broken byte.
func looksLikeWindows1251(data []byte) bool {
	letter := func(c byte) bool {
		// А–я, Ё ё, and the Ukrainian and Belarusian Ґ ґ Є є І і Ї ї Ў ў
		return c >= 0xC0 || bytes.IndexByte([]byte{0xA8, 0xB8, 0xA5, 0xB4, 0xAA, 0xBA, 0xB2, 0xB3, 0xAF, 0xBF, 0xA1, 0xA2}, c) >= 0
	}
	letters, inWords := 0, 0
	for i, c := range data {
		if c == 0x98 { // the one byte Windows-1251 leaves undefined
			return false
		}
		if !letter(c) {
			continue
		}
		letters++
		if i > 0 && letter(data[i-1]) || i+1 < len(data) && letter(data[i+1]) {
			inWords++
		}
	}
	return letters > 0 && inWords*10 >= letters*8
}

// lineAt is the line number of byte offset i.
func lineAt(data []byte, i int) int {
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// readImportRows parses the whole text, counts and checks its rows into
// report, and returns the rows to save, each email once. A file that
// cannot be parsed to its end is an error naming the line where it broke.
func readImportRows(text []byte, report *ImportReport) ([]importRow, error) {
	refuse := func(line int, email, reason string) {
		report.Refused++
		if len(report.Problems) < importMaxProblems {
			report.Problems = append(report.Problems, Problem{Line: line, Email: email, Reason: reason})
		}
	}
	// sized for a row a line, so that a million rows are not copied over
	// and over as the slice and the map grow
	lines := bytes.Count(text, []byte("\n")) + 1
	rows := make([]importRow, 0, lines)
	seen := make(map[string]bool, lines)

	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = separator(text)
	report.Separator = string(r.Comma)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	cols := map[string]int{"email": 0, "name": 1, "comment": 2}
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if first {
			if named, ok := headerColumns(rec); ok {
				cols = named
				continue
			}
		}
		report.Rows++
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		// a line break in a name cell (Alt+Enter in Excel) is layout, not
		// part of the name: the client is kept, with the name on one line
		email, name, comment := get("email"), oneLine(get("name")), get("comment")
		if len(report.Sample) < importSampleRows {
			report.Sample = append(report.Sample, Sample{line, email, name, comment})
		}
		// the same key as the unique index (owner, email COLLATE NOCASE),
		// which folds ASCII letters only
		key := foldASCII(email)
		switch {
		case email == "":
			refuse(line, email, "no email")
		case len(email) > 255 || is.EmailFormat.Validate(email) != nil:
			refuse(line, email, "not an email address")
		case seen[key]:
			report.Duplicates++
		case utf8.RuneCountInString(name) > 255 || utf8.RuneCountInString(comment) > 2000:
			refuse(line, email, "the name or the comment is too long")
		default:
			seen[key] = true
			rows = append(rows, importRow{line, email, name, comment})
		}
	}
	return rows, nil
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

// importChunk saves one chunk of rows in one transaction and returns how
// many of them were new clients; the others already were, and go into
// the list too. A dry run only counts.
func importChunk(app core.App, owner, list string, chunk []importRow, ids importIDs, first int, dry bool) (int, error) {
	emails := make([]string, len(chunk))
	for i, row := range chunk {
		emails[i] = row.email
	}
	emailsJSON, err := json.Marshal(emails)
	if err != nil {
		return 0, err
	}
	if dry {
		var there int
		err := app.DB().NewQuery(`SELECT COUNT(*) FROM clients
			WHERE owner = {:owner} AND email COLLATE NOCASE IN (SELECT value FROM json_each({:emails}))`).
			Bind(dbx.Params{"owner": owner, "emails": string(emailsJSON)}).Row(&there)
		return len(chunk) - there, err
	}

	// the statement's parameters are made before the transaction, to keep
	// the write lock for the writing only
	values := make([][4]string, len(chunk))
	for i, row := range chunk {
		values[i] = [4]string{ids.id(first + i), row.email, row.name, row.comment}
	}
	rowsJSON, err := json.Marshal(values)
	if err != nil {
		return 0, err
	}
	lists := "[]"
	if list != "" {
		lists = jsonArray([]string{list})
	}
	now := types.NowDateTime().String()
	var added int64
	err = app.RunInTransaction(func(tx core.App) error {
		res, err := tx.DB().NewQuery(`
			INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
			SELECT json_extract(r.value, '$[0]'), {:owner}, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'),
			       json_extract(r.value, '$[3]'), {:lists}, FALSE, {:now}, {:now}
			FROM json_each({:rows}) r WHERE true
			ON CONFLICT (owner, email COLLATE NOCASE) DO NOTHING`).
			Bind(dbx.Params{"owner": owner, "lists": lists, "now": now, "rows": string(rowsJSON)}).Execute()
		if err != nil {
			return err
		}
		if added, err = res.RowsAffected(); err != nil {
			return err
		}
		if list == "" || int(added) == len(chunk) {
			return nil
		}
		// the clients already there join the list (the new ones are in it)
		_, err = tx.DB().NewQuery(`
			UPDATE clients SET lists = json_insert(CASE WHEN json_valid(lists) THEN lists ELSE '[]' END, '$[#]', {:list}), updated = {:now}
			WHERE owner = {:owner} AND email COLLATE NOCASE IN (SELECT value FROM json_each({:emails}))
			  AND NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(clients.lists) THEN clients.lists ELSE '[]' END) l WHERE l.value = {:list})`).
			Bind(dbx.Params{"list": list, "now": now, "owner": owner, "emails": string(emailsJSON)}).Execute()
		return err
	})
	return int(added), err
}

// importIDs makes the ids of one import's clients: a random prefix, then
// the row's number, 15 characters as PocketBase's own. Its random ids
// would scatter a chunk's rows over the whole id index, so that every
// chunk wrote thousands of the index's pages anew; these keep the rows of
// one import side by side.
type importIDs string

func (prefix importIDs) id(n int) string {
	s := strconv.FormatInt(int64(n), 36)
	return string(prefix) + strings.Repeat("0", 7-len(s)) + s
}

// importIncomplete answers an import that stopped at rows[stopped]: the
// chunks before it are saved, and the answer says how far it got, so that
// the user sends the same file again (which adds only what is missing).
func importIncomplete(e *core.RequestEvent, report ImportReport, rows []importRow, stopped int, cause error) error {
	line := rows[stopped].line
	e.App.Logger().Error("A client import stopped half-way",
		slog.String("owner", e.Auth.Id), slog.Int("line", line), slog.String("error", cause.Error()))
	msg := fmt.Sprintf("The import stopped at line %d: %d clients from the lines before it were added, the rest of the file was not saved. "+
		"Import the same file again to add the rest; the clients saved already will not be added twice.", line, report.Added)
	// written as PocketBase writes its errors, with numbers in data that
	// its error type would turn into "Invalid value."
	return e.JSON(http.StatusInternalServerError, map[string]any{
		"status":  http.StatusInternalServerError,
		"message": msg,
		"data": map[string]any{
			"file":  map[string]any{"code": "import_incomplete", "message": msg},
			"line":  line,
			"added": report.Added,
		},
	})
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

func jsonArray(ids []string) string {
	return `["` + strings.Join(ids, `","`) + `"]`
}
