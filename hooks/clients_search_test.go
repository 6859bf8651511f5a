package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/clientwords"
)

// aliceToFind gives alice three clients to search for, through record
// saves (the search index's triggers run as on any write): John Doe at
// acme.com, Jane Roe with a comment, and one whose email is changed after
// it was saved; and a fourth, deleted.
func aliceToFind(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	col, err := app.FindCollectionByNameOrId("clients")
	if err != nil {
		t.Fatal(err)
	}
	save := func(data map[string]any) *core.Record {
		r := core.NewRecord(col)
		r.Load(data)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	save(map[string]any{"owner": aliceID, "email": "john.doe@acme.com", "name": "John Doe"})
	save(map[string]any{"owner": aliceID, "email": "jane@roe.example", "name": "Jane Roe", "comment": "met at the Zürich fair"})
	moved := save(map[string]any{"owner": aliceID, "email": "old.name@oldco.test"})
	moved.Set("email", "new.name@newco.test")
	if err := app.Save(moved); err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(save(map[string]any{"owner": aliceID, "email": "gone.doe@acme.com"})); err != nil {
		t.Fatal(err)
	}
}

// The clients search finds the words of an email, name or comment that
// start with what was typed, from the search index, of the caller's own
// clients only.
func TestClientsSearch(t *testing.T) {
	const url = "/api/postrider/clients/page?q="
	as := func(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }
	// pageOf reads a page of clients: their emails in order, and its totals
	pageOf := func(t testing.TB, res *http.Response) (got []string, totalItems, totalPages int) {
		var p struct {
			TotalItems, TotalPages int
			Items                  []struct{ Email string }
		}
		if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		got = []string{}
		for _, c := range p.Items {
			got = append(got, c.Email)
		}
		return got, p.TotalItems, p.TotalPages
	}
	emails := func(want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			got, total, _ := pageOf(t, res)
			if strings.Join(got, " ") != strings.Join(want, " ") || total != len(want) {
				t.Errorf("found %d: %v, want %v", total, got, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url + "doe", TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, NotExpectedContent: []string{"john.doe"},
		},
		{
			Name: "a last name", Method: http.MethodGet, URL: url + "Doe", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"john.doe@acme.com"}, AfterTestFunc: emails("john.doe@acme.com"),
		},
		{
			Name: "the domain", Method: http.MethodGet, URL: url + "ACME.co", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"john.doe@acme.com"}, AfterTestFunc: emails("john.doe@acme.com"),
		},
		{
			Name: "the start of an email, as typed", Method: http.MethodGet, URL: url + "john.d", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"john.doe@acme.com"}, AfterTestFunc: emails("john.doe@acme.com"),
		},
		{
			Name: "a word of the comment, whatever its ASCII capitals", Method: http.MethodGet, URL: url + "Z%C3%BCRICH", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"jane@roe.example"}, AfterTestFunc: emails("jane@roe.example"),
		},
		{
			Name: "every word must start one of the client's", Method: http.MethodGet, URL: url + "doe+jane", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, AfterTestFunc: emails(),
		},
		{
			Name: "the middle of a word finds nothing", Method: http.MethodGet, URL: url + "ohn", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, AfterTestFunc: emails(),
		},
		{
			Name: "a changed email by its new words, not its old", Method: http.MethodGet, URL: url + "newco", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"new.name@newco.test"}, AfterTestFunc: emails("new.name@newco.test"),
		},
		{
			Name: "the old words of a changed email find nothing", Method: http.MethodGet, URL: url + "oldco", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, AfterTestFunc: emails(),
		},
		{
			Name: "a search of no letter or digit is no search", Method: http.MethodGet, URL: url + "%40.", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":5`, "alice-client@example.com", "jane@roe.example"}, NotExpectedContent: []string{"gone.doe", "bob-client"},
		},
		{
			// (its first eight words)
			Name: "a search of 20,000 characters is answered", Method: http.MethodGet, URL: url + strings.Repeat("doe+", 5000), Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"john.doe@acme.com"}, AfterTestFunc: emails("john.doe@acme.com"),
		},
		{
			Name: "another user finds only their own", Method: http.MethodGet, URL: url + "doe", Headers: as("bob"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{"john.doe"},
		},
		{
			Name: "bob finds his own client by its word", Method: http.MethodGet, URL: url + "bob", Headers: as("bob"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{"bob-client@example.com", "bob-client2@example.com", `"totalItems":2`}, NotExpectedContent: []string{"alice-client", "john.doe"},
		},
		{
			Name: "a moderator's search is of their own clients, never alice's", Method: http.MethodGet, URL: url + "doe", Headers: as("mod"), TestAppFactory: newTestApp, BeforeTestFunc: aliceToFind,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{"john.doe"},
		},
	}
	// 10,001 clients at broad.test, written by SQL as an import writes
	// them (the index's trigger counts them too), and two more: one whose
	// name starts with the word, first in the page's order, and one where
	// it is only inside a word
	broad := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		_, err := app.DB().NewQuery(`
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
			INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
			SELECT printf('broadclient%05d', i), {:owner}, printf('many%05d@broad.test', i), '', '', '[]', FALSE,
			       '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z' FROM n
			UNION ALL SELECT 'broadbyname0001', {:owner}, 'aaa@else.test', 'Broadway Joe', '', '[]', FALSE, '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z'
			UNION ALL SELECT 'broadinside0001', {:owner}, 'aab@abroad.test', '', '', '[]', FALSE, '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z'`).
			Bind(dbx.Params{"owner": aliceID}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	// the same behind 11,001 clients that sort first and match nothing:
	// more than a broad search's walk reads before it gives up
	broadLate := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		broad(t, app, e)
		_, err := app.DB().NewQuery(`
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 11001)
			INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
			SELECT printf('fillerclient%05d', i), {:owner}, printf('aa%05d@filler.test', i), '', '', '[]', FALSE,
			       '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z' FROM n`).
			Bind(dbx.Params{"owner": aliceID}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	many := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("many%05d@broad.test", i))
		}
		return out
	}
	// a page of a search too broad to count: its rows in the page's order,
	// totals -1 (PocketBase's lists' skipTotal)
	uncounted := func(want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			got, totalItems, totalPages := pageOf(t, res)
			if strings.Join(got, " ") != strings.Join(want, " ") || totalItems != -1 || totalPages != -1 {
				t.Errorf("got %d items (totals %d, %d): %v, want -1, -1: %v", len(got), totalItems, totalPages, got, want)
			}
		}
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "a word of over 10,000 clients: a full first page in email order, no total", Method: http.MethodGet, URL: url + "broad", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":-1`}, AfterTestFunc: uncounted(append([]string{"aaa@else.test"}, many(1, 49)...)...),
		},
		tests.ApiScenario{
			Name: "its page 2 goes on in order", Method: http.MethodGet, URL: url + "BROAD&page=2", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":-1`}, AfterTestFunc: uncounted(many(50, 99)...),
		},
		tests.ApiScenario{
			Name: "its last page is short", Method: http.MethodGet, URL: url + "broad&page=101&perPage=100", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":-1`}, AfterTestFunc: uncounted(many(10000, 10001)...),
		},
		tests.ApiScenario{
			Name: "a broad word whose matches come late in the order: read from the words, counted", Method: http.MethodGet, URL: url + "broad", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broadLate,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":10002`, `"totalPages":201`}, NotExpectedContent: []string{"filler"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var p struct{ Items []struct{ Email string } }
				if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, c := range p.Items {
					got = append(got, c.Email)
				}
				if want := append([]string{"aaa@else.test"}, many(1, 49)...); !slices.Equal(got, want) {
					t.Errorf("got %v…, want %v…", got[:min(len(got), 3)], want[:3])
				}
			},
		},
		tests.ApiScenario{
			Name: "a broad word and a rare one: the matches counted", Method: http.MethodGet, URL: url + "broad+many1000", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalPages":1`}, AfterTestFunc: emails(many(10000, 10001)...),
		},
		tests.ApiScenario{
			Name: "one of them, by its words", Method: http.MethodGet, URL: url + "many10001", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{"many10001@broad.test"}, AfterTestFunc: emails("many10001@broad.test"),
		},
		tests.ApiScenario{
			Name: "bob's search of alice's broad word finds none of hers", Method: http.MethodGet, URL: url + "broad", Headers: as("bob"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{"broad.test", "aaa@else"},
		},
		tests.ApiScenario{
			Name: "the export of a broad search has every match", Method: http.MethodGet, URL: "/api/postrider/clients/export?q=broad", Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: broad,
			ExpectedStatus: 200, ExpectedContent: []string{"aaa@else.test", "many10001@broad.test"}, NotExpectedContent: []string{"abroad"}, AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				rows := csvOf(t, res)
				var got []string
				for _, r := range rows[1:] {
					got = append(got, r[0])
				}
				want := append([]string{"aaa@else.test"}, many(1, 10001)...)
				if !slices.Equal(got, want) {
					t.Errorf("exported %d rows (first %v), want %d", len(got), got[:min(len(got), 3)], len(want))
				}
			},
		},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The words the triggers keep for a client are those Go splits what was
// typed into (internal/clientwords), punctuation, quotes, backslashes and
// line breaks included, and they follow the client's edits.
func TestClientWordsAsKeptAndAsTyped(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	col, err := app.FindCollectionByNameOrId("clients")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"owner": aliceID, "email": "Mary-Ann.O'Brien+news@Example.co.uk",
		"name": `Mary "M.A." O'Brien\Smith`, "comment": "met in Zürich;\nasked for (more) info — 2026/12 a&b"})
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	kept := func() string {
		var words []string
		if err := app.DB().NewQuery("SELECT word FROM _postrider_client_words WHERE client = {:id} ORDER BY word").
			Bind(dbx.Params{"id": r.Id}).Column(&words); err != nil {
			t.Fatal(err)
		}
		return strings.Join(words, " ")
	}
	typed := func() string {
		words := clientwords.Split(r.GetString("email") + " " + r.GetString("name") + " " + r.GetString("comment"))
		slices.Sort(words)
		return strings.Join(slices.Compact(words), " ")
	}
	if kept() != typed() {
		t.Errorf("kept %q, split %q", kept(), typed())
	}
	if want := "12 2026 a a&b ann asked brien co example for in info m mary met more news o smith uk zürich —"; kept() != want {
		t.Errorf("kept %q, want %q", kept(), want)
	}
	r.Set("comment", "")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if kept() != typed() || strings.Contains(kept(), "zürich") {
		t.Errorf("after the comment's edit, kept %q, split %q", kept(), typed())
	}
	if err := app.Delete(r); err != nil {
		t.Fatal(err)
	}
	if kept() != "" {
		t.Errorf("a deleted client's words stay: %q", kept())
	}
}
