package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A rate limit on the blog's view beacon (POST /blog/{slug}/view), per
// client IP: a reader's page sends one a read, so 30 a minute is plenty;
// a flood from one address took 28,524 in 10 s. The label is a prefix of
// every slug's beacon (PocketBase's global rate limiter matches custom
// routes as its own, apis/middlewares_rate_limit.go); the blog's pages are
// GETs and are not held back by it.
var blogViewLimit = core.RateLimitRule{Label: "POST /blog/", MaxRequests: 30, Duration: 60}

func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		if !slices.ContainsFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool { return x.Label == blogViewLimit.Label }) {
			s.RateLimits.Rules = append(s.RateLimits.Rules, blogViewLimit)
		}
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Rules = slices.DeleteFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool { return x.Label == blogViewLimit.Label })
		return app.Save(s)
	})
}
