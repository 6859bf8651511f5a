package migrations

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The moderation step goes down and up again on a data dir, and leaves the
// log read-only to the API and outliving what it names.
func TestModerationMigration(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	var migration *core.Migration
	for _, mi := range core.AppMigrations.Items() {
		if mi.File == "1795660005_moderation.go" {
			migration = mi
		}
	}
	if migration == nil {
		t.Fatal("the migration is not registered")
	}
	if err := app.RunInTransaction(migration.Down); err != nil {
		t.Fatal("down:", err)
	}
	if _, err := app.FindCollectionByNameOrId("moderation_log"); err == nil {
		t.Fatal("down left moderation_log")
	}
	if err := app.RunInTransaction(migration.Up); err != nil {
		t.Fatal("up again:", err)
	}

	log, err := app.FindCollectionByNameOrId("moderation_log")
	if err != nil {
		t.Fatal(err)
	}
	if log.CreateRule != nil || log.UpdateRule != nil || log.DeleteRule != nil || log.ListRule == nil || log.ViewRule == nil {
		t.Fatal("moderation_log: the API must only read it (and only moderators)")
	}
	for _, name := range []string{"moderator", "user", "mailing"} {
		f, _ := log.Fields.GetByName(name).(*core.RelationField)
		if f == nil || f.CascadeDelete || f.Required {
			t.Fatalf("moderation_log.%s: a relation neither required nor cascaded, so that the row outlives its target", name)
		}
	}
	for collection, field := range map[string]string{"mailings": "stopped_by", "users": "blocked_reason"} {
		col, _ := app.FindCollectionByNameOrId(collection)
		if col == nil || col.Fields.GetByName(field) == nil {
			t.Fatalf("%s.%s missing after up", collection, field)
		}
	}
}
