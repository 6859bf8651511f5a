package hooks_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// Password guessing is slowed down out of the box: the eleventh login from
// one address within a minute is refused, even with the right password.
func TestLoginsAreRateLimitedByDefault(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	for i := 1; i <= 10; i++ {
		api.expect(fmt.Sprintf("wrong password %d", i), 400, "POST", "/api/collections/users/auth-with-password", "",
			`{"identity":"alice@example.com","password":"guess `+fmt.Sprint(i)+`"}`)
	}
	api.expect("the next login", 429, "POST", "/api/collections/users/auth-with-password", "",
		`{"identity":"alice@example.com","password":"`+fixturePassword+`"}`)
}

// BenchmarkSaveMailingWithPickedClients measures what the cap on hand-picked
// clients costs: one save of a mailing naming the schema's maximum, with
// the ownership check of every id.
func BenchmarkSaveMailingWithPickedClients(b *testing.B) {
	app := newTestApp(b)
	defer app.Cleanup()
	mailings, _ := app.FindCollectionByNameOrId("mailings")
	clients, _ := app.FindCollectionByNameOrId("clients")
	max := mailings.Fields.GetByName("clients").(*core.RelationField).MaxSelect
	ids := make([]string, max)
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range ids {
			c := core.NewRecord(clients)
			c.Set("owner", aliceID)
			c.Set("email", fmt.Sprintf("picked%d@example.com", i))
			if err := tx.Save(c); err != nil {
				return err
			}
			ids[i] = c.Id
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(max), "clients")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := core.NewRecord(mailings)
		m.Load(map[string]any{"owner": aliceID, "subject": "s", "body": "<p>b</p>", "clients": ids})
		if err := app.Save(m); err != nil {
			b.Fatal(err)
		}
	}
}
