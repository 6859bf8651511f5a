package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/seed"
	"postrider/internal/sqlitedb"
)

// Seeded makes a data dir with n clients and one mailing due now.
func Seeded(t testing.TB, n int) (string, seed.Due) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pb_data")
	due, err := seed.Mailing(dir, n)
	if err != nil {
		t.Fatalf("seeding %d clients: %v", n, err)
	}
	return dir, due
}

// DataDirFiles copies a data dir's files into Serve's files, under name.
func DataDirFiles(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.Join(name, rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// OpenData opens a data dir as the binary does (internal/sqlitedb), to
// read what the binary left, or to write beside a binary still running.
func OpenData(t testing.TB, dir string) core.App {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatalf("opening %s: %v", dir, err)
	}
	t.Cleanup(func() { app.ResetBootstrapState() })
	return app
}

// DeliveryCounts is what the deliveries of a data dir say.
type DeliveryCounts struct {
	Total   int `db:"total"`
	Sent    int `db:"sent"`
	Pending int `db:"pending"`
	Failed  int `db:"failed"`
	Clients int `db:"clients"`
	Emails  int `db:"emails"`
	Runs    int `db:"runs"`
}

// CountDeliveries reads the DeliveryCounts of app's data dir.
func CountDeliveries(t testing.TB, app core.App) DeliveryCounts {
	t.Helper()
	var c DeliveryCounts
	err := app.DB().NewQuery(`
		SELECT COUNT(*) AS total,
		       COALESCE(SUM(status = 'sent'), 0) AS sent,
		       COALESCE(SUM(status = 'pending'), 0) AS pending,
		       COALESCE(SUM(status = 'failed'), 0) AS failed,
		       COUNT(DISTINCT client) AS clients,
		       COUNT(DISTINCT email) AS emails,
		       COUNT(DISTINCT run) AS runs
		FROM deliveries`).One(&c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
