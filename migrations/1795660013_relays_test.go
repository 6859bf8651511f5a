package migrations

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The relays step goes down and up again on a data dir, and leaves relays
// closed to the API (superusers only) with the password hidden.
func TestRelaysMigration(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	var migration *core.Migration
	for _, mi := range core.AppMigrations.Items() {
		if mi.File == "1795660013_relays.go" {
			migration = mi
		}
	}
	if migration == nil {
		t.Fatal("the migration is not registered")
	}
	if err := app.RunInTransaction(migration.Down); err != nil {
		t.Fatal("down:", err)
	}
	if _, err := app.FindCollectionByNameOrId("relays"); err == nil {
		t.Fatal("down left relays")
	}
	if d, _ := app.FindCollectionByNameOrId("deliveries"); d == nil || d.Fields.GetByName("relay") != nil {
		t.Fatal("down left deliveries.relay")
	}
	if err := app.RunInTransaction(migration.Up); err != nil {
		t.Fatal("up again:", err)
	}

	relays, err := app.FindCollectionByNameOrId("relays")
	if err != nil {
		t.Fatal(err)
	}
	if relays.ListRule != nil || relays.ViewRule != nil || relays.CreateRule != nil || relays.UpdateRule != nil || relays.DeleteRule != nil {
		t.Fatal("relays: every API rule must be nil (superusers only)")
	}
	if !relays.Fields.GetByName("password").GetHidden() {
		t.Fatal("relays.password must be hidden")
	}
	if d, _ := app.FindCollectionByNameOrId("deliveries"); d == nil || d.Fields.GetByName("relay") == nil {
		t.Fatal("deliveries.relay missing after up")
	}
}
