package hooks

import (
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
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
	rows, err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q.SQL()).Bind(q.Params()).Rows()
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}
