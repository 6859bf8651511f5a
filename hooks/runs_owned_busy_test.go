package hooks_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/hooks"
	"postrider/internal/sqlitedb"
)

// A run's pause or resume while another process (`postrider dispatch`)
// records an outcome in the same data dir, between the route's read of the
// run and its write: the route answers 200 and saves the run, and the
// other process's write goes through once the route's transaction ends.
// The route's transaction used to begin deferred: the other process
// committed in between, and the route's write failed with "database is
// locked (517)" (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
func TestRunPauseResumeWhileAnotherProcessWrites(t *testing.T) {
	for _, c := range []struct {
		action, before, after string
	}{
		{"pause", "sending", "paused"},
		{"resume", "paused", "sending"},
	} {
		var other *otherWriter
		scenario := tests.ApiScenario{
			Name: c.action + " while the dispatcher records", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/" + c.action,
			Headers: map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				// the data dir opened as the binary opens it
				app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: fixtureDir, EncryptionEnv: "pb_test_env",
					DBConnect: sqlitedb.Connect})
				if err != nil {
					t.Fatal(err)
				}
				hooks.Register(app, config.Config{})
				return app
			},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				aliceSending(t, app)
				set("runs", aliceRun, map[string]any{"status": c.before, "paused_by_owner": c.before == "paused"})(t, app)
				other = openOtherWriter(t, app)
				// the route has read the run and is about to write it
				app.OnRecordUpdateExecute("runs").BindFunc(func(e *core.RecordEvent) error {
					if !other.tried {
						other.tried, other.during = true, other.recordSent()
					}
					return e.Next()
				})
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"` + c.after + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				fieldIs("runs", aliceRun, "status", c.after)(t, app, res)
				if !other.tried {
					t.Fatal("the other process never wrote while the route ran")
				}
				// it waits (its busy timeout, here none) for the route's
				// transaction, and writes once it is over
				if other.during == nil || !strings.Contains(other.during.Error(), "database is locked") {
					t.Errorf("the other process's write while the route ran: %v, want it to wait for the lock", other.during)
				}
				if err := other.recordSent(); err != nil {
					t.Fatalf("the other process's write after the route: %v", err)
				}
				fieldIs("deliveries", alicePendingDelivery, "status", "sent")(t, app, res)
			},
		}
		scenario.Test(t)
	}
}

// otherWriter is a second connection to a test app's database, as another
// process has: recordSent records alice's pending delivery sent, as the
// dispatcher's recorder does, without waiting for a lock (busy timeout 0),
// so that a test in one goroutine sees what it would wait for.
type otherWriter struct {
	recordSent func() error
	tried      bool  // it wrote while the route ran
	during     error // what that write met
}

func openOtherWriter(t testing.TB, app *tests.TestApp) *otherWriter {
	db, err := sqlitedb.Connect(filepath.Join(app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.DB().SetMaxOpenConns(1) // one connection: the pragma holds for it
	if _, err := db.NewQuery("PRAGMA busy_timeout = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	return &otherWriter{recordSent: func() error {
		_, err := db.NewQuery("UPDATE deliveries SET status = 'sent' WHERE id = {:id}").
			Bind(map[string]any{"id": alicePendingDelivery}).Execute()
		return err
	}}
}
