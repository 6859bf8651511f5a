package migrations

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/dbutils"
)

// emailCollate is the collation of the users collection's unique email index.
func emailCollate(t *testing.T, app core.App) string {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	idx, ok := dbutils.FindSingleColumnUniqueIndex(users.Indexes, core.FieldNameEmail)
	if !ok {
		t.Fatal("the users collection has no unique email index")
	}
	return idx.Columns[0].Collate
}

// A data dir with two accounts differing only in capitals stops the
// migration with a message naming both, and keeps them and the old index.
func TestEmailNocaseMigration(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	if got := emailCollate(t, app); !strings.EqualFold(got, "nocase") {
		t.Fatalf("a new data dir's email index has collation %q, want NOCASE", got)
	}

	var migration *core.Migration
	for _, mi := range core.AppMigrations.Items() {
		if mi.File == "1795660004_users_email_nocase.go" {
			migration = mi
		}
	}
	if migration == nil {
		t.Fatal("the migration is not registered")
	}
	// the data dir as the previous version left it
	if err := migration.Down(app); err != nil {
		t.Fatal(err)
	}
	users, _ := app.FindCollectionByNameOrId("users")
	for _, email := range []string{"auser@example.com", "AUSER@EXAMPLE.COM", "other@example.com"} {
		r := core.NewRecord(users)
		r.SetEmail(email)
		r.SetPassword("a long password")
		r.Set("role", "user")
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}

	err = app.RunInTransaction(migration.Up)
	if err == nil {
		t.Fatal("the migration ran over two accounts differing only in capitals")
	}
	for _, want := range []string{"auser@example.com (id ", "AUSER@EXAMPLE.COM (id ", "Nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%q is not in the error: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "other@example.com") {
		t.Fatalf("the error names an account that clashes with none: %v", err)
	}
	if n, _ := app.CountRecords("users"); n != 3 {
		t.Fatalf("%d accounts left, want 3", n)
	}
	if got := emailCollate(t, app); got != "" {
		t.Fatalf("the failed migration left the index with collation %q", got)
	}

	// once the admin gives one of them another email, it goes through
	r, _ := app.FindAuthRecordByEmail("users", "AUSER@EXAMPLE.COM")
	r.SetEmail("auser2@example.com")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if err := app.RunInTransaction(migration.Up); err != nil {
		t.Fatal(err)
	}
	if got := emailCollate(t, app); !strings.EqualFold(got, "nocase") {
		t.Fatalf("collation %q, want NOCASE", got)
	}
}
