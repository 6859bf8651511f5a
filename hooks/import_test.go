package hooks_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
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
			[]string{`"added":2`, `"dry_run":true`},
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
