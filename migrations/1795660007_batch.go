package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The batch API (/api/batch) on: the mailing form saves a mailing and its
// windows in one request, and PocketBase runs every request of a batch in
// one transaction, each through its collection's rules and request hooks,
// so a refused window leaves nothing behind. Its rate limit (set in
// 1795660002_settings.go before the form used it) was 3 a second, which a
// refusal fixed at once and saved again can reach: 10 in 5 seconds.
func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		s.Batch.Enabled = true
		s.Batch.MaxRequests = 50      // a mailing and a good many windows
		s.Batch.Timeout = 10          // seconds; the default 3 is short for a mailing naming thousands of clients
		s.Batch.MaxBodySize = 8 << 20 // a long body and a few thousand picked ids fit
		for i, r := range s.RateLimits.Rules {
			if r.Label == "/api/batch" {
				s.RateLimits.Rules[i].MaxRequests, s.RateLimits.Rules[i].Duration = 10, 5
			}
		}
		return app.Save(s)
	}, nil)
}
