package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"golang.org/x/text/encoding/charmap"
)

// upload builds a multipart body with a CSV file and form fields.
func upload(t testing.TB, csv string, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	body := new(bytes.Buffer)
	w := multipart.NewWriter(body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if csv != "" {
		f, err := w.CreateFormFile("file", "clients.csv")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(csv))
	}
	w.Close()
	return body, w.FormDataContentType()
}

func importScenario(t *testing.T, name, token, csv string, fields map[string]string, status int, content []string, after func(testing.TB, *tests.TestApp, *http.Response)) tests.ApiScenario {
	body, ctype := upload(t, csv, fields)
	headers := map[string]string{"Content-Type": ctype}
	if token != "" {
		headers["Authorization"] = tokens[token]
	}
	return tests.ApiScenario{
		Name: name, Method: http.MethodPost, URL: "/api/postrider/clients/import", Body: body, Headers: headers,
		TestAppFactory: newTestApp, ExpectedStatus: status, ExpectedContent: content, AfterTestFunc: after,
	}
}

func TestImportClientsFromCSV(t *testing.T) {
	const file = "email,name,comment\n" +
		"new1@example.org,New One,from the fair\n" +
		"ALICE-CLIENT@example.com,Already there,\n" + // alice's, in her list already
		"new1@example.org,Twice in the file,\n" +
		"not an email,Someone,\n" +
		",No email,\n" +
		"alice-client2@example.com,Alice two,\n" + // alice's, not in the list yet
		"new2@example.org,\"Doe, Jane\",\"said \"\"hi\"\"\"\n"
	inList := func(t testing.TB, app *tests.TestApp, emails ...string) {
		for _, e := range emails {
			c, err := app.FindFirstRecordByFilter("clients", "owner = {:o} && email = {:e}", dbx.Params{"o": aliceID, "e": e})
			if err != nil {
				t.Fatalf("%s is not a client of alice: %v", e, err)
			}
			if ls := c.GetStringSlice("lists"); len(ls) != 1 || ls[0] != aliceList {
				t.Fatalf("%s is in lists %v, want [%s] once", e, ls, aliceList)
			}
		}
	}
	count := func(t testing.TB, app *tests.TestApp, want int) {
		if n, _ := app.CountRecords("clients", dbx.HashExp{"owner": aliceID}); int(n) != want {
			t.Fatalf("alice has %d clients, want %d", n, want)
		}
	}
	scenarios := []tests.ApiScenario{
		importScenario(t, "anonymous", "", file, nil, 401, []string{`"data":{}`}, nil),
		importScenario(t, "alice imports into her list", "alice", file, map[string]string{"list": aliceList}, 200,
			[]string{`"rows":7`, `"added":2`, `"duplicates":3`, `"refused":2`, `{"line":5,"email":"not an email","reason":"not an email address"}`, `{"line":6,"email":"","reason":"no email"}`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				count(t, app, 4)
				inList(t, app, "new1@example.org", "new2@example.org", "alice-client@example.com", "alice-client2@example.com")
				c, _ := app.FindFirstRecordByFilter("clients", "email = 'new2@example.org'")
				if c.GetString("name") != "Doe, Jane" || c.GetString("comment") != `said "hi"` {
					t.Fatalf("quoted cells: %q %q", c.GetString("name"), c.GetString("comment"))
				}
			}),
		importScenario(t, "a dry run reports and saves nothing", "alice", file, map[string]string{"list": aliceList, "dry_run": "true"}, 200,
			// the sample: the first five data rows as read, refused ones too
			[]string{`"added":2`, `"dry_run":true`, `"sample":[{"line":2,"email":"new1@example.org","name":"New One","comment":"from the fair"}`,
				`{"line":6,"email":"","name":"No email","comment":""}]`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "no header: email, name, comment by position", "alice", "plain@example.org,Plain,\n", nil, 200,
			[]string{`"rows":1`, `"added":1`}, func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 3) }),
		importScenario(t, "another user's list is refused by name", "alice", file, map[string]string{"list": bobList}, 400,
			[]string{`"list":{"code":"validation_not_owner"`}, func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "no file", "alice", "", map[string]string{"list": aliceList}, 400, []string{`"file":{"code":"validation_required"`}, nil),
		importScenario(t, "bob's import touches only bob", "bob", "alice-client@example.com\n", nil, 200, []string{`"added":1`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// manyRows is a CSV of n new clients (no header), client1@many.example first.
func manyRows(n int) string {
	var csv strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&csv, "client%d@many.example,Client %d,row %d\n", i, i, i)
	}
	return csv.String()
}

// sendImport is a BeforeTestFunc step: one import through the scenario's
// router, before the scenario's own request; it returns the status and body.
func sendImport(t testing.TB, e *core.ServeEvent, csv string, fields map[string]string) (int, string) {
	t.Helper()
	mux, err := e.Router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := upload(t, csv, fields)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptestRequest(body, ctype))
	return rec.Code, rec.Body.String()
}

// oversized is a multipart body whose file part holds size bytes of CSV.
func oversized(t testing.TB, size int) (*bytes.Buffer, string) {
	t.Helper()
	row := "someone@big.example,Some One,\n"
	csv := strings.Repeat(row, size/len(row)+1)[:size]
	return upload(t, csv, nil)
}

// What the file itself may hold: every case leaves alice with her two
// clients unless it says otherwise.
func TestImportFileContents(t *testing.T) {
	count := func(t testing.TB, app *tests.TestApp, want int) {
		t.Helper()
		if n, _ := app.CountRecords("clients", dbx.HashExp{"owner": aliceID}); int(n) != want {
			t.Fatalf("alice has %d clients, want %d", n, want)
		}
	}
	client := func(t testing.TB, app *tests.TestApp, email string) *core.Record {
		t.Helper()
		c, err := app.FindFirstRecordByFilter("clients", "owner = {:o} && email = {:e}", dbx.Params{"o": aliceID, "e": email})
		if err != nil {
			t.Fatalf("no client %q: %v", email, err)
		}
		return c
	}
	var stray strings.Builder
	stray.WriteString("email,name\n")
	for i := 2; i <= 20; i++ {
		if i == 10 {
			stray.WriteString("\"Stray quote,someone\n")
			continue
		}
		fmt.Fprintf(&stray, "row%d@example.org,Row %d\n", i, i)
	}
	cp1251, err := charmap.Windows1251.NewEncoder().String("Почта;ФИО;Комментарий\r\nivan@example.ru;Иван Петров;Постоянный клиент, «VIP»\r\n")
	if err != nil {
		t.Fatal(err)
	}
	bigBody, bigType := oversized(t, 64<<20+1)
	hugeBody, hugeType := oversized(t, 66<<20)

	scenarios := []tests.ApiScenario{
		importScenario(t, "a stray quote refuses the whole file, naming the line", "alice", stray.String(), nil, 400,
			[]string{`"file":{"code":"validation_invalid_csv"`, `line 10:`, `"params":{"line":10}`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "a quote inside a plain value refuses the file too", "alice", "a@example.org,Jane \"JJ\" Doe\nb@example.org,B\n", nil, 400,
			[]string{`"file":{"code":"validation_invalid_csv"`, `line 1, column 20`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "a BOM without a header: the first email is clean, and its duplicate found", "alice",
			"\ufeffbom@example.org,Bom\nBOM@example.org,Bom again\n", nil, 200,
			[]string{`"rows":2`, `"added":1`, `"duplicates":1`, `"refused":0`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				count(t, app, 3)
				client(t, app, "bom@example.org")
			}),
		importScenario(t, "Windows-1251 with semicolons (a Russian Excel) is converted", "alice", cp1251, nil, 200,
			[]string{`"rows":1`, `"added":1`, `"encoding":"windows-1251"`, `"separator":";"`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				c := client(t, app, "ivan@example.ru")
				if c.GetString("name") != "Иван Петров" || c.GetString("comment") != "Постоянный клиент, «VIP»" {
					t.Fatalf("stored as %q, %q", c.GetString("name"), c.GetString("comment"))
				}
			}),
		importScenario(t, "UTF-8 with semicolons", "alice", "email;name\nsemi@example.org;Semi, Colon\n", nil, 200,
			[]string{`"added":1`, `"encoding":"utf-8"`, `"separator":";"`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if c := client(t, app, "semi@example.org"); c.GetString("name") != "Semi, Colon" {
					t.Fatalf("name %q", c.GetString("name"))
				}
			}),
		importScenario(t, "text neither UTF-8 nor Cyrillic is refused, not stored as is", "alice", "jose@example.org,Jos\xe9\n", nil, 400,
			[]string{`"file":{"code":"validation_invalid_encoding"`, `line 1`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		// 33 MiB of blank lines, Windows' and Unix's, which the reader skips
		importScenario(t, "a file over PocketBase's default body limit (32 MiB) and under the cap is read", "alice",
			"email,name\nfirst@example.org,First\n"+strings.Repeat("\r\n\n", 11<<20)+"last@example.org,Last\nnot an email,Someone\n", nil, 200,
			[]string{`"rows":3`, `"added":2`, `"refused":1`, fmt.Sprintf(`{"line":%d,"email":"not an email","reason":"not an email address"}`, 3+22<<20+1)},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				count(t, app, 4)
				client(t, app, "last@example.org")
			}),
		importScenario(t, "a row over 1 MB refuses the whole file, naming its line", "alice",
			"ok@example.org,Ok\nbig@example.org,Big,"+strings.Repeat("x", 2<<20)+"\nok2@example.org,Ok\n", nil, 400,
			[]string{`"file":{"code":"validation_invalid_csv"`, `line 2: the row that starts there runs over 1 MB`, `"params":{"line":2}`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "a quote never closed refuses the whole file, naming its line", "alice",
			"ok@example.org,Ok\n\n\r\n\"open@example.org,Open\n"+strings.Repeat("a@example.org,A\n", 200000), nil, 400,
			[]string{`"file":{"code":"validation_invalid_csv"`, `line 4: the row that starts there runs over 1 MB`, `"params":{"line":4}`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) }),
		importScenario(t, "a quote closed after many lines is one value, and the next rows are read", "alice",
			"a@example.org,A,\"a comment\n\n\non lines\"\nb@example.org,B\n", nil, 200,
			[]string{`"rows":2`, `"added":2`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if c := client(t, app, "a@example.org"); c.GetString("comment") != "a comment\n\n\non lines" {
					t.Fatalf("comment %q", c.GetString("comment"))
				}
			}),
		{
			Name: "a file over the cap: 413 naming the file and the cap", Method: http.MethodPost, URL: "/api/postrider/clients/import",
			Body: bigBody, Headers: map[string]string{"Content-Type": bigType, "Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, ExpectedStatus: 413,
			ExpectedContent: []string{`"file":{"code":"validation_file_size_limit"`, `larger than 64 MB`},
			AfterTestFunc:   func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2) },
		},
		{
			Name: "a body far over the cap is refused before it is read, naming the file", Method: http.MethodPost, URL: "/api/postrider/clients/import",
			Body: hugeBody, Headers: map[string]string{"Content-Type": hugeType, "Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, ExpectedStatus: 413,
			ExpectedContent: []string{`"file":{"code":"validation_file_size_limit"`, `larger than 64 MB`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A big file goes in by chunks: all of it; again, nothing twice; and an
// import that fails half-way keeps what it saved and says how far it got.
func TestImportInChunks(t *testing.T) {
	const rows = 12000 // several chunks
	file := manyRows(rows)
	count := func(t testing.TB, app *tests.TestApp, want int) {
		t.Helper()
		if n, _ := app.CountRecords("clients", dbx.HashExp{"owner": aliceID}); int(n) != want {
			t.Fatalf("alice has %d clients, want %d", n, want)
		}
	}
	// the database fails on the file's last row, as a full disk would; the
	// chunks before the one that holds it are saved, and the answer names
	// the first line not saved (row i is on line i)
	failLast := func(t testing.TB, app *tests.TestApp) {
		_, err := app.NonconcurrentDB().NewQuery(fmt.Sprintf(`CREATE TRIGGER fail_import BEFORE INSERT ON clients
			WHEN NEW.email = 'client%d@many.example' BEGIN SELECT RAISE(ABORT, 'disk full'); END`, rows)).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	var firstAdded int
	halfWay := func(t testing.TB, status int, body string) {
		t.Helper()
		var out struct {
			Message string
			Data    struct {
				Added int
				Line  int
				File  struct{ Code string }
			}
		}
		json.Unmarshal([]byte(body), &out)
		if status != 500 || out.Data.File.Code != "import_incomplete" || out.Data.Line != out.Data.Added+1 ||
			out.Data.Added <= 0 || out.Data.Added >= rows || !strings.Contains(out.Message, fmt.Sprintf("%d clients", out.Data.Added)) {
			t.Fatalf("the import that failed half-way answered %d %s", status, body)
		}
		firstAdded = out.Data.Added
	}

	scenarios := []tests.ApiScenario{
		importScenario(t, "every row of a file of several chunks", "alice", file, map[string]string{"list": aliceList}, 200,
			[]string{fmt.Sprintf(`"rows":%d`, rows), fmt.Sprintf(`"added":%d`, rows), `"duplicates":0`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				count(t, app, 2+rows)
				var inList int
				app.DB().NewQuery(`SELECT COUNT(*) FROM clients, json_each(clients.lists) l WHERE owner = {:o} AND l.value = {:l}`).
					Bind(dbx.Params{"o": aliceID, "l": aliceList}).Row(&inList)
				if inList != 1+rows {
					t.Fatalf("%d clients in the list, want %d", inList, 1+rows)
				}
			}),
		func() tests.ApiScenario {
			s := importScenario(t, "the same file again adds nothing", "alice", file, map[string]string{"list": aliceList}, 200,
				[]string{`"added":0`, fmt.Sprintf(`"duplicates":%d`, rows)},
				func(t testing.TB, app *tests.TestApp, _ *http.Response) { count(t, app, 2+rows) })
			s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				if status, out := sendImport(t, e, file, map[string]string{"list": aliceList}); status != 200 {
					t.Fatalf("first import: %d %s", status, out)
				}
			}
			return s
		}(),
		func() tests.ApiScenario {
			s := importScenario(t, "a failure half-way keeps the chunks saved and says so", "alice", file, nil, 500,
				[]string{`"file":{"code":"import_incomplete"`, "Import the same file again"},
				func(t testing.TB, app *tests.TestApp, res *http.Response) {
					body, _ := io.ReadAll(res.Body)
					halfWay(t, res.StatusCode, string(body))
					count(t, app, 2+firstAdded)
				})
			s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { failLast(t, app) }
			return s
		}(),
		func() tests.ApiScenario {
			s := importScenario(t, "after a failure half-way, the same file adds the rest", "alice", file, nil, 200,
				[]string{fmt.Sprintf(`"rows":%d`, rows)},
				func(t testing.TB, app *tests.TestApp, res *http.Response) {
					var report struct{ Added, Duplicates int }
					body, _ := io.ReadAll(res.Body)
					json.Unmarshal(body, &report)
					if report.Added != rows-firstAdded || report.Duplicates != firstAdded {
						t.Fatalf("the second try added %d with %d duplicates; the first had added %d of %d", report.Added, report.Duplicates, firstAdded, rows)
					}
					count(t, app, 2+rows)
				})
			s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				failLast(t, app)
				status, body := sendImport(t, e, file, nil)
				halfWay(t, status, body)
				if _, err := app.NonconcurrentDB().NewQuery(`DROP TRIGGER fail_import`).Execute(); err != nil {
					t.Fatal(err)
				}
			}
			return s
		}(),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// BenchmarkImport100k imports a CSV of 100,000 new clients into a list.
func BenchmarkImport100k(b *testing.B) {
	var csv strings.Builder
	csv.WriteString("email,name,comment\n")
	for i := range 100000 {
		fmt.Fprintf(&csv, "client%d@bench.example,Client %d,row %d\n", i, i, i)
	}
	for range b.N {
		b.StopTimer()
		app := newTestApp(b)
		api := newAPI(b, app)
		body, ctype := upload(b, csv.String(), map[string]string{"list": aliceList})
		req := httptestRequest(body, ctype)
		b.StartTimer()
		status, out := api.serve(req)
		b.StopTimer()
		if status != 200 || !strings.Contains(out, `"added":100000`) {
			b.Fatalf("%d %s", status, out)
		}
		app.Cleanup()
	}
}
