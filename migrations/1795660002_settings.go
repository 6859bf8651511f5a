package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Default settings: the name in mails and rate limits on the endpoints that
// guess passwords or send mail. Environment variables override the mail
// settings at start (config/); the dashboard can change everything here.
func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		s.Meta.AppName = "Postrider"
		// the variables were laid over the settings at bootstrap, before
		// serve runs this: keep a POSTRIDER_SENDER_NAME, replace PocketBase's default
		if s.Meta.SenderName == "" || s.Meta.SenderName == "Support" {
			s.Meta.SenderName = "Postrider"
		}

		s.RateLimits.Enabled = true
		s.RateLimits.Rules = []core.RateLimitRule{
			// per client IP; superusers are never limited
			{Label: "*:auth", MaxRequests: 10, Duration: 60},
			{Label: "users:create", MaxRequests: 5, Duration: 60, Audience: core.RateLimitRuleAudienceGuest},
			{Label: "*:requestVerification", MaxRequests: 3, Duration: 60},
			{Label: "*:requestPasswordReset", MaxRequests: 3, Duration: 60},
			{Label: "*:requestEmailChange", MaxRequests: 3, Duration: 60},
			{Label: "*:requestOTP", MaxRequests: 3, Duration: 60},
			{Label: "*:confirmVerification", MaxRequests: 10, Duration: 60},
			{Label: "*:confirmPasswordReset", MaxRequests: 10, Duration: 60},
			{Label: "/api/batch", MaxRequests: 3, Duration: 1},
			{Label: "/api/", MaxRequests: 300, Duration: 10},
		}
		return app.Save(s)
	}, nil)
}
