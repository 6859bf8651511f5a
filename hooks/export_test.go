package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/internal/sqlplan"
)

// SetImportIdleTimeout shortens how long an upload may stall, for a test
// that waits for it; it returns the function that puts it back.
func SetImportIdleTimeout(d time.Duration) (restore func()) {
	was := importIdleTimeout
	importIdleTimeout = d
	return func() { importIdleTimeout = was }
}

// SetLogCountMax lowers how many rows of each range the log with dates
// counts, for a test of a range past it; it returns the function that puts
// it back.
func SetLogCountMax(n int) (restore func()) {
	was := logCountMax
	logCountMax = n
	return func() { logCountMax = was }
}

// RouteAccess is every route of the table ("GET /api/postrider/stats")
// with who may call it: "anyone", "users", "moderators" or "inbound".
func RouteAccess() map[string]string {
	out := map[string]string{}
	for _, r := range routes(config.Config{}, nil) {
		out[r.method+" "+r.path] = [...]string{authAnyone: "anyone", authUser: "users", authModerator: "moderators", authInbound: "inbound"}[r.auth]
	}
	return out
}

// LogPagePlan is SQLite's plan of a page of the log of one mailing
// (of one status when given) of owner, as the log route reads it.
func LogPagePlan(app core.App, owner, mailing, status string) (string, error) {
	q := logQuery(app, logWhere(owner, mailing, status), 0, 20).Build()
	return sqlplan.Of(app.DB(), q.SQL(), q.Params())
}
