package migrations

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The kind and retry_of steps go down and up again on a data dir: a run
// made before kinds is scheduled after, and a run is retried once (the
// unique index on retry_of), while any number of runs retry none.
func TestRunsKindMigration(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	steps := map[string]*core.Migration{}
	for _, mi := range core.AppMigrations.Items() {
		steps[mi.File] = mi
	}
	kind, retryOf := steps["1795660040_a_runs_kind.go"], steps["1795660040_b_runs_retry_of.go"]
	if kind == nil || retryOf == nil {
		t.Fatal("the migrations are not registered")
	}
	for _, down := range []*core.Migration{retryOf, kind} {
		if err := app.RunInTransaction(down.Down); err != nil {
			t.Fatal("down:", err)
		}
	}
	if runs, _ := app.FindCollectionByNameOrId("runs"); runs == nil || runs.Fields.GetByName("kind") != nil || runs.Fields.GetByName("retry_of") != nil {
		t.Fatal("down left runs.kind or runs.retry_of")
	}
	// a run as the claim wrote it before kinds, and one that retries another
	insert := func(id string) error {
		_, err := app.DB().NewQuery(`INSERT INTO runs (id, owner, mailing, run_at, status) VALUES ({:id}, 'u', 'm', {:id}, 'done')`).
			Bind(map[string]any{"id": id}).Execute()
		return err
	}
	retry := func(id, of string) error {
		_, err := app.DB().NewQuery(`INSERT INTO runs (id, owner, mailing, run_at, status, retry_of) VALUES ({:id}, 'u', 'm', {:id}, 'done', {:of})`).
			Bind(map[string]any{"id": id, "of": of}).Execute()
		return err
	}
	if err := insert("oldrun000000001"); err != nil {
		t.Fatal(err)
	}
	for _, up := range []*core.Migration{kind, retryOf} {
		if err := app.RunInTransaction(up.Up); err != nil {
			t.Fatal("up again:", err)
		}
	}
	old, err := app.FindRecordById("runs", "oldrun000000001")
	if err != nil || old.GetString("kind") != "scheduled" {
		t.Fatalf("a run made before kinds: %v %v, want kind scheduled", old, err)
	}
	if err := insert("plainrun0000001"); err != nil {
		t.Fatal("a second run that retries none:", err)
	}
	if err := retry("retryrun0000001", "oldrun000000001"); err != nil {
		t.Fatal(err)
	}
	if err := retry("retryrun0000002", "oldrun000000001"); err == nil {
		t.Fatal("a run was retried twice")
	}
}
