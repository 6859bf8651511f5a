package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
	"postrider/internal/clientcsv"
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

// importsAtOnce is how many imports the server takes at once; one more is
// refused (429) until one of them ends. Each holds a spooled file and a
// chunk of rows, and all of them share SQLite's one write lock.
const importsAtOnce = 2

// importClientsRoute takes a CSV file of clients (email, name, comment)
// into the caller's clients and, optionally, one of their lists: the fast
// way in for a million rows (a record save each would take hours), at most
// importsAtOnce files at once.
func importClientsRoute() func(*core.RequestEvent) error {
	running := make(chan struct{}, importsAtOnce)
	return func(e *core.RequestEvent) error {
		select {
		case running <- struct{}{}:
			defer func() { <-running }()
			return importClients(e)
		default:
			// the body is not read: no more of it than a moment's worth
			http.NewResponseController(e.Response).SetReadDeadline(time.Now().Add(importIdleTimeout))
			msg := fmt.Sprintf("The server is importing %d files already, the most it takes at once: try again in a minute.", importsAtOnce)
			return e.TooManyRequestsError(msg, fieldError("file", "validation_too_many_imports", msg))
		}
	}
}

func importClients(e *core.RequestEvent) error {
	owner, ctx := e.Auth.Id, e.Request.Context()
	form, err := readImportForm(e)
	if err != nil {
		return err
	}
	defer os.Remove(form.file.path)
	if form.welcome && form.list == "" {
		msg := "Choose the list the clients join: a welcome is for joining a list."
		return e.BadRequestError(msg, fieldError("list", "validation_required", msg))
	}
	if form.list != "" {
		var n int
		err := e.App.DB().Select("COUNT(*)").From("lists").Where(dbx.HashExp{"id": form.list, "owner": owner}).WithContext(ctx).Row(&n)
		if err != nil || n == 0 {
			return e.BadRequestError("Choose one of your own lists.", fieldError("list", "validation_not_owner", "Choose one of your own lists."))
		}
	}

	// the whole file is read and checked before anything is written: a
	// file that cannot be read to its end is refused whole
	encoding, err := form.file.encoding()
	if err != nil {
		return err
	}
	report := ImportReport{DryRun: form.dry, Problems: []Problem{}, Sample: []Sample{}, Encoding: encoding, Separator: ","}
	valid := 0
	if err := form.file.rows(encoding, &report, func(clientcsv.Row) error { valid++; return nil }); err != nil {
		return err
	}

	// then it is read again and goes in by chunks; the unique index on
	// (owner, email) tells which rows are clients already, as the database
	// has them at the time of each chunk (another import or a REST save
	// may run beside this one), emails twice in the file included. A dry
	// run writes nothing, so it tells those apart itself, by a hash of each
	// email (8 bytes a row; two emails with one hash would count once).
	ids := importIDs(security.RandomStringWithAlphabet(8, "abcdefghijklmnopqrstuvwxyz0123456789"))
	var seen map[uint64]bool
	seed := maphash.MakeSeed()
	if form.dry {
		seen = make(map[uint64]bool, valid)
	}
	chunk := make([]clientcsv.Row, 0, importChunkRows)
	done := 0 // rows sent to the database
	save := func() error {
		added, err := importChunk(ctx, e.App, owner, form.list, form.welcome, chunk, ids, done, form.dry)
		if err != nil {
			return err
		}
		report.Added += added
		done += len(chunk)
		chunk = chunk[:0]
		if !form.dry && done < valid {
			time.Sleep(importChunkPause)
		}
		return nil
	}
	var failed error
	err = form.file.rows(encoding, &ImportReport{}, func(row clientcsv.Row) error {
		if seen != nil {
			key := maphash.String(seed, foldASCII(row.Email))
			if seen[key] {
				return nil
			}
			seen[key] = true
		}
		if chunk = append(chunk, row); len(chunk) < importChunkRows {
			return nil
		}
		failed = save()
		return failed
	})
	if err == nil && len(chunk) > 0 {
		failed = save()
		err = failed
	}
	switch {
	case err != nil && failed == nil: // the file read differently the second time
		return e.InternalServerError("", err)
	case err != nil && form.dry:
		return e.InternalServerError("The file could not be checked against your clients; try again.", err)
	case err != nil:
		return importIncomplete(e, report, chunk[0].Line, err)
	}
	report.Duplicates = valid - report.Added
	if report.Added >= optimizeAfterRows {
		optimize(e.App) // a list may have grown tenfold: the planner's counts too
	}
	return e.JSON(http.StatusOK, report)
}

// optimizeAfterRows is how many new clients make an import large enough to
// refresh SQLite's statistics after it.
const optimizeAfterRows = 10000

// importChunk saves one chunk of rows in one transaction and returns how
// many of them were new clients; the others already were, and go into
// the list too. With welcome, those who joined the list (the new clients
// and those not in it yet) get its welcomes, in the same transaction. A
// dry run only counts.
func importChunk(ctx context.Context, app core.App, owner, list string, welcome bool, chunk []clientcsv.Row, ids importIDs, first int, dry bool) (int, error) {
	emails := make([]string, len(chunk))
	for i, row := range chunk {
		emails[i] = row.Email
	}
	emailsJSON, err := json.Marshal(emails)
	if err != nil {
		return 0, err
	}
	if dry {
		var there int
		err := app.DB().NewQuery(`SELECT COUNT(*) FROM clients
			WHERE owner = {:owner} AND email COLLATE NOCASE IN (SELECT value FROM json_each({:emails}))`).
			Bind(dbx.Params{"owner": owner, "emails": string(emailsJSON)}).WithContext(ctx).Row(&there)
		return len(chunk) - there, err
	}

	// the statement's parameters are made before the transaction, to keep
	// the write lock for the writing only
	values := make([][5]string, len(chunk))
	for i, row := range chunk {
		values[i] = [5]string{ids.id(first + i), row.Email, row.Name, row.Comment, row.Timezone}
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
	joined := time.Now()
	welcome = welcome && list != ""
	err = app.RunInTransaction(func(tx core.App) error {
		var joiners []string // with welcome: the ids of the clients who joined the list
		q := tx.DB().NewQuery(`
			INSERT INTO clients (id, owner, email, name, comment, timezone, lists, unsubscribed, created, updated)
			SELECT json_extract(r.value, '$[0]'), {:owner}, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'),
			       json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'), {:lists}, FALSE, {:now}, {:now}
			FROM json_each({:rows}) r WHERE true
			ON CONFLICT (owner, email COLLATE NOCASE) DO NOTHING` + returningIDs(welcome)).
			Bind(dbx.Params{"owner": owner, "lists": lists, "now": now, "rows": string(rowsJSON)}).WithContext(ctx)
		if welcome {
			if err := q.Column(&joiners); err != nil {
				return err
			}
			added = int64(len(joiners))
		} else {
			res, err := q.Execute()
			if err != nil {
				return err
			}
			if added, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		if list == "" || int(added) == len(chunk) {
			return welcomeImported(tx, owner, list, joiners, joined)
		}
		// the clients already there join the list (the new ones are in it)
		q = tx.DB().NewQuery(`
			UPDATE clients SET lists = json_insert(CASE WHEN json_valid(lists) THEN lists ELSE '[]' END, '$[#]', {:list}), updated = {:now}
			WHERE owner = {:owner} AND email COLLATE NOCASE IN (SELECT value FROM json_each({:emails}))
			  AND NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(clients.lists) THEN clients.lists ELSE '[]' END) l WHERE l.value = {:list})` +
			returningIDs(welcome)).
			Bind(dbx.Params{"list": list, "now": now, "owner": owner, "emails": string(emailsJSON)}).WithContext(ctx)
		if !welcome {
			_, err := q.Execute()
			return err
		}
		var moved []string
		if err := q.Column(&moved); err != nil {
			return err
		}
		return welcomeImported(tx, owner, list, append(joiners, moved...), joined)
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

// importIncomplete answers an import that stopped at a chunk whose first
// row is on line: the chunks before it are saved, and the answer says how
// far it got, so that the user sends the same file again (which adds only
// what is missing).
func importIncomplete(e *core.RequestEvent, report ImportReport, line int, cause error) error {
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

func jsonArray(ids []string) string {
	return `["` + strings.Join(ids, `","`) + `"]`
}

// returningIDs makes an import's statement give the ids of the clients it
// wrote, when it must welcome them.
func returningIDs(welcome bool) string {
	if welcome {
		return ` RETURNING id`
	}
	return ""
}

// welcomeImported writes the welcomes of an import's chunk of joiners: a
// set-based statement per welcome window of the list (dispatch/welcome.go).
func welcomeImported(tx core.App, owner, list string, joiners []string, joined time.Time) error {
	_, err := dispatch.Welcome(tx, owner, list, joiners, joined)
	return err
}
