package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Two things of issue 9 ("mail that respects its recipients"):
//
//   - dkim: the dashboard's DKIM settings, one row (hooks/dkim.go refuses
//     a second and a key that does not parse), superusers only: no API rule
//     opens it, and the key is hidden besides. POSTRIDER_DKIM_* win over it.
//   - rate limits on the public unsubscribe routes, per client IP: a person
//     clicks one link, so 30 a minute is plenty for the page and its undo;
//     one-click POSTs (RFC 8058) come from the mail providers' servers, a
//     few addresses for all their users, so they get ten times that.
func init() {
	m.Register(func(app core.App) error {
		dkim := core.NewBaseCollection("dkim")
		dkim.Fields.Add(
			&core.TextField{Name: "domain", Required: true, Max: 253},
			&core.TextField{Name: "selector", Required: true, Max: 63},
			&core.TextField{Name: "private_key", Required: true, Max: 16000, Hidden: true},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		if err := app.Save(dkim); err != nil {
			return err
		}

		s := app.Settings()
		for _, r := range unsubscribeLimits {
			if !slices.ContainsFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool { return x.Label == r.Label }) {
				s.RateLimits.Rules = append(s.RateLimits.Rules, r)
			}
		}
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Rules = slices.DeleteFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool {
			return slices.ContainsFunc(unsubscribeLimits, func(r core.RateLimitRule) bool { return r.Label == x.Label })
		})
		if err := app.Save(s); err != nil {
			return err
		}
		dkim, err := app.FindCollectionByNameOrId("dkim")
		if err != nil {
			return err
		}
		return app.Delete(dkim)
	})
}

// unsubscribeLimits: "POST /unsubscribe/" (the one-click POST and the
// page's undo) and "/unsubscribe/" (the page, GET) are prefixes of
// /unsubscribe/{token}, which PocketBase's global rate limiter matches for
// custom routes as for its own (apis/middlewares_rate_limit.go).
var unsubscribeLimits = []core.RateLimitRule{
	{Label: "POST /unsubscribe/", MaxRequests: 300, Duration: 60},
	{Label: "/unsubscribe/", MaxRequests: 30, Duration: 60},
}
