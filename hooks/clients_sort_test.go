package hooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/sqlplan"
)

// The clients table asks PocketBase for sort=email:lower: a client added as
// "Bob@…" sits between "alice-…" and "carl@…", not before every lower-case
// address; each caller still sees only their own clients.
func TestClientsSortByEmailWhateverItsCapitals(t *testing.T) {
	addAlices := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		col, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"Bob@example.org", "carl@example.org", "Zoe@example.org", "adam@example.org"} {
			r := core.NewRecord(col)
			r.Load(map[string]any{"owner": aliceID, "email": email})
			if err := app.Save(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	order := func(want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			var list struct{ Items []struct{ Email string } }
			raw, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(raw, &list); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			var got []string
			for _, c := range list.Items {
				got = append(got, c.Email)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("the clients come in the order %q, want %q", got, want)
			}
		}
	}
	const url = "/api/collections/clients/records?sort=email:lower&perPage=50"
	for _, s := range []tests.ApiScenario{
		{
			Name: "the owner: one order whatever the capitals", Method: "GET", URL: url,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: addAlices,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":6`},
			AfterTestFunc: order("adam@example.org", "alice-client2@example.com", "alice-client@example.com", "Bob@example.org", "carl@example.org", "Zoe@example.org"),
		},
		{
			Name: "another user: only theirs", Method: "GET", URL: url,
			Headers: map[string]string{"Authorization": tokens["bob"]}, TestAppFactory: newTestApp, BeforeTestFunc: addAlices,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":2`}, NotExpectedContent: []string{"example.org"},
			AfterTestFunc: order("bob-client2@example.com", "bob-client@example.com"),
		},
		{
			Name: "anonymous: none", Method: "GET", URL: url, TestAppFactory: newTestApp, BeforeTestFunc: addAlices,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{"example.org"},
		},
	} {
		s.Test(t)
	}
}

// That order is served by an index within one owner's clients: a page reads
// its rows from idx_clients_owner_email_lower, with no sort of them all.
func TestClientsEmailOrderUsesTheIndex(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	got, err := sqlplan.Of(app.DB(), `SELECT clients.* FROM clients WHERE clients.owner = {:owner}
		ORDER BY LOWER(clients.email) ASC LIMIT 50`, dbx.Params{"owner": aliceID})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "idx_clients_owner_email_lower") || strings.Contains(got, "TEMP B-TREE") {
		t.Fatalf("the query plan of a page of clients: %s", got)
	}
}
