package hooks

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
)

// ImportReport says what an import of clients did (or would do, dry).
type ImportReport struct {
	Rows       int       `json:"rows"`       // data rows read
	Added      int       `json:"added"`      // new clients
	Duplicates int       `json:"duplicates"` // already clients (or twice in the file): put into the list, not added again
	Refused    int       `json:"refused"`
	Problems   []Problem `json:"problems"` // the first refused rows, with why
	DryRun     bool      `json:"dry_run"`
}

// Problem is one refused row.
type Problem struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

const (
	importMaxBytes    = 64 << 20
	importMaxProblems = 100
)

func bindImport(app core.App) {
	// a CSV file of clients (email, name, comment) into the caller's
	// clients and, optionally, one of their lists, in one transaction: the
	// fast way in for 100,000 rows (a record save each would take minutes)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/postrider/clients/import", importClients).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
}

func importClients(e *core.RequestEvent) error {
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, importMaxBytes)
	owner := e.Auth.Id
	list := strings.TrimSpace(e.Request.FormValue("list"))
	dry := e.Request.FormValue("dry_run") == "true"
	if list != "" {
		var n int
		err := e.App.DB().Select("COUNT(*)").From("lists").Where(dbx.HashExp{"id": list, "owner": owner}).Row(&n)
		if err != nil || n == 0 {
			return e.BadRequestError("Choose one of your own lists.", fieldError("list", "validation_not_owner", "Choose one of your own lists."))
		}
	}
	file, _, err := e.Request.FormFile("file")
	if err != nil {
		return e.BadRequestError("Choose a CSV file.", fieldError("file", "validation_required", "Choose a CSV file."))
	}
	defer file.Close()

	existing := map[string]string{} // lowercased email → client id
	var have []struct {
		ID    string `db:"id"`
		Email string `db:"email"`
	}
	if err := e.App.DB().Select("id", "email").From("clients").Where(dbx.HashExp{"owner": owner}).All(&have); err != nil {
		return e.InternalServerError("", err)
	}
	for _, c := range have {
		existing[strings.ToLower(c.Email)] = c.ID
	}

	report := ImportReport{DryRun: dry, Problems: []Problem{}}
	refuse := func(line int, email, reason string) {
		report.Refused++
		if len(report.Problems) < importMaxProblems {
			report.Problems = append(report.Problems, Problem{Line: line, Email: email, Reason: reason})
		}
	}
	type newClient struct{ email, name, comment string }
	var added []newClient
	var intoList []string // ids of clients already there
	seen := map[string]bool{}

	r := csv.NewReader(file)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	cols := map[string]int{"email": 0, "name": 1, "comment": 2}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				refuse(line, "", "not readable as CSV: "+pe.Err.Error())
				continue
			}
			return e.BadRequestError("The file cannot be read.", fieldError("file", "validation_invalid_file", "The file cannot be read: "+err.Error()))
		}
		if line == 1 {
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
		email := get("email")
		switch key := strings.ToLower(email); {
		case email == "":
			refuse(line, email, "no email")
		case len(email) > 255 || is.EmailFormat.Validate(email) != nil:
			refuse(line, email, "not an email address")
		case seen[key]:
			report.Duplicates++
		case existing[key] != "":
			seen[key] = true
			report.Duplicates++
			intoList = append(intoList, existing[key])
		default:
			seen[key] = true
			name, comment := get("name"), get("comment")
			if len(name) > 255 || len(comment) > 2000 {
				refuse(line, email, "the name or the comment is too long")
				delete(seen, key)
				continue
			}
			added = append(added, newClient{email, name, comment})
		}
	}
	report.Added = len(added)
	if dry || (len(added) == 0 && (list == "" || len(intoList) == 0)) {
		return e.JSON(http.StatusOK, report)
	}

	lists := "[]"
	if list != "" {
		lists = `["` + list + `"]`
	}
	now := types.NowDateTime().String()
	err = e.App.RunInTransaction(func(tx core.App) error {
		for start := 0; start < len(added); start += 500 {
			batch := added[start:min(start+500, len(added))]
			values := make([]string, len(batch))
			params := dbx.Params{"owner": owner, "lists": lists, "now": now}
			for i, c := range batch {
				values[i] = fmt.Sprintf("({:id%d}, {:owner}, {:e%d}, {:n%d}, {:c%d}, {:lists}, FALSE, {:now}, {:now})", i, i, i, i)
				params[fmt.Sprintf("id%d", i)] = security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789")
				params[fmt.Sprintf("e%d", i)], params[fmt.Sprintf("n%d", i)], params[fmt.Sprintf("c%d", i)] = c.email, c.name, c.comment
			}
			_, err := tx.DB().NewQuery(`INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated) VALUES ` +
				strings.Join(values, ", ")).Bind(params).Execute()
			if err != nil {
				return err
			}
		}
		if list == "" {
			return nil
		}
		for start := 0; start < len(intoList); start += 500 {
			ids := intoList[start:min(start+500, len(intoList))]
			_, err := tx.DB().NewQuery(`
				UPDATE clients SET lists = json_insert(CASE WHEN json_valid(lists) THEN lists ELSE '[]' END, '$[#]', {:list}), updated = {:now}
				WHERE owner = {:owner} AND id IN (SELECT value FROM json_each({:ids}))
				  AND NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(clients.lists) THEN clients.lists ELSE '[]' END) l WHERE l.value = {:list})`).
				Bind(dbx.Params{"list": list, "now": now, "owner": owner, "ids": jsonArray(ids)}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return e.InternalServerError("The import failed; nothing was saved.", err)
	}
	return e.JSON(http.StatusOK, report)
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
		c = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
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
