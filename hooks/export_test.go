package hooks

import (
	"time"

	"postrider/config"
)

// SetImportIdleTimeout shortens how long an upload may stall, for a test
// that waits for it; it returns the function that puts it back.
func SetImportIdleTimeout(d time.Duration) (restore func()) {
	was := importIdleTimeout
	importIdleTimeout = d
	return func() { importIdleTimeout = was }
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
