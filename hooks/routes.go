package hooks

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"postrider/config"
)

// route is one custom route of the service: what it answers, who may call
// it, and its handler, which lives in the file named for the route's
// resource and action (GET /api/postrider/mailings/summary in
// mailings_summary.go).
type route struct {
	method, path string
	auth         access
	handler      func(*core.RequestEvent) error
	// middlewares of this route besides its auth
	middlewares []*hook.Handler[*core.RequestEvent]
	// the ids of router-wide middlewares this route goes without
	unbind []string
}

// access is who may call a route. A custom route passes no API rule:
// past its access, each handler reads and changes the caller's own rows
// only, its owner condition written in its queries.
type access int

const (
	// anyone, with or without a token: the blog, and the unsubscribe link
	// (whose token in the path is signed per client)
	authAnyone access = iota
	// a user (a users record's token; a superuser's is refused)
	authUser
	// a moderator, or a superuser
	authModerator
	// a superuser, or a script with the bearer POSTRIDER_INBOUND_SECRET
	// (bounces_receive.go)
	authInbound
)

func (a access) middlewares(cfg config.Config) []*hook.Handler[*core.RequestEvent] {
	switch a {
	case authUser:
		return []*hook.Handler[*core.RequestEvent]{apis.RequireAuth("users")}
	case authModerator:
		return []*hook.Handler[*core.RequestEvent]{apis.RequireAuth(), {Func: moderatorsOnly}}
	case authInbound:
		return []*hook.Handler[*core.RequestEvent]{{Func: inboundOnly(cfg.Inbound.Secret)}}
	}
	return nil
}

func moderatorsOnly(e *core.RequestEvent) error {
	if e.HasSuperuserAuth() || isModerator(e.Auth) {
		return e.Next()
	}
	return e.ForbiddenError("Only moderators can see this.", nil)
}

// routes is every custom route of the service. The web app's own paths
// are main's (static.go): its GET /{path...} is registered last, so that
// every route here wins over it.
func routes(cfg config.Config, mails *senderMails) []route {
	b := blog{dir: cfg.BlogDir}
	// a refusal of the rate limit answers with Retry-After, and as a page
	// on the routes a person opens (unsubscribe.go)
	tooManyPage := []*hook.Handler[*core.RequestEvent]{tooMany(unsubscribeBusy)}
	tooManyText := []*hook.Handler[*core.RequestEvent]{tooMany(nil)}
	tooManySenderPage := []*hook.Handler[*core.RequestEvent]{tooMany(senderConfirmBusy)}
	return []route{
		// the home page
		{method: "GET", path: "/api/postrider/stats", auth: authUser, handler: homeStatsRoute},
		{method: "GET", path: "/api/postrider/posts/random", auth: authAnyone, handler: randomPostsRoute},

		// the blog, rendered on the server (blog.go)
		{method: "GET", path: "/blog", auth: authAnyone, handler: b.list},
		{method: "GET", path: "/blog/feed.xml", auth: authAnyone, handler: b.feed},
		{method: "GET", path: "/blog/{slug}", auth: authAnyone, handler: b.post},
		{method: "POST", path: "/blog/{slug}/view", auth: authAnyone, handler: countView},

		// clients and lists
		{method: "GET", path: "/api/postrider/clients/page", auth: authUser, handler: clientsPage},
		{method: "GET", path: "/api/postrider/clients/export", auth: authUser, handler: exportClients},
		// importClientsRoute applies its own cap to the body
		{method: "POST", path: "/api/postrider/clients/import", auth: authUser, handler: importClientsRoute(),
			unbind: []string{apis.DefaultBodyLimitMiddlewareId}},
		{method: "GET", path: "/api/postrider/lists/counts", auth: authUser, handler: listCountsRoute},

		// mailings
		{method: "GET", path: "/api/postrider/mailings/summary", auth: authUser, handler: mailingsSummary},
		{method: "POST", path: "/api/postrider/mailings/reach", auth: authUser, handler: mailingReach},
		{method: "POST", path: "/api/postrider/mailings/preview", auth: authUser, handler: previewDraft},
		{method: "GET", path: "/api/postrider/mailings/{id}/preview", auth: authUser, handler: previewMailing},
		{method: "POST", path: "/api/postrider/mailings/{id}/test", auth: authUser, handler: testMailingRoute(cfg)},
		{method: "GET", path: "/api/postrider/mailings/{id}/skipped", auth: authUser, handler: mailingSkipped},
		{method: "GET", path: "/api/postrider/mailings/{id}/bounces", auth: authUser, handler: mailingBouncesRoute},
		// what goes out when (calendar.go; all=1 is for moderators)
		{method: "GET", path: "/api/postrider/calendar", auth: authUser, handler: calendarRoute},

		// a finished run sent again to its failed messages (runs_retry.go)
		{method: "GET", path: "/api/postrider/runs/{id}/retry", auth: authUser, handler: runRetryCounts},
		{method: "POST", path: "/api/postrider/runs/{id}/retry", auth: authUser, handler: retryRun},
		// a recipient-time run by its clients' zones (runs_zones.go)
		{method: "GET", path: "/api/postrider/runs/{id}/zones", auth: authUser, handler: runZones},

		// a run's pause, resume and cancel by its owner (runs_*.go)
		{method: "POST", path: "/api/postrider/runs/{id}/pause", auth: authUser, handler: pauseRun},
		{method: "POST", path: "/api/postrider/runs/{id}/resume", auth: authUser, handler: resumeRun},
		{method: "POST", path: "/api/postrider/runs/{id}/cancel", auth: authUser, handler: cancelRun},

		// senders: "send again" of the confirmation link (senders_verify.go),
		// and the link's page and button (senders_confirm.go)
		{method: "POST", path: "/api/postrider/senders/{id}/verify", auth: authUser, handler: mails.resendSenderLink},
		{method: "GET", path: "/senders/confirm/{token}", auth: authAnyone, handler: senderConfirmAsk, middlewares: tooManySenderPage},
		{method: "POST", path: "/senders/confirm/{token}", auth: authAnyone, handler: senderConfirm, middlewares: tooManySenderPage},

		// deliveries
		{method: "GET", path: "/api/postrider/deliveries/log", auth: authUser, handler: deliveriesLog(cfg.LogRetentionDays)},
		{method: "GET", path: "/api/postrider/deliveries/export", auth: authUser, handler: exportDeliveries},
		{method: "GET", path: "/api/postrider/deliveries/daily", auth: authUser, handler: dailyDeliveries},

		// sending domains (domains_check.go)
		{method: "POST", path: "/api/postrider/domains/{id}/check", auth: authUser, handler: checkDomainRoute(cfg)},

		// moderation
		{method: "GET", path: "/api/postrider/moderation/users", auth: authModerator, handler: moderationUsers},
		{method: "GET", path: "/api/postrider/moderation/mailings", auth: authModerator, handler: moderationMailings},
		{method: "GET", path: "/api/postrider/moderation/approvals", auth: authModerator, handler: moderationApprovals},

		// reports of bounces and complaints, piped in from a mailbox
		// (bounces_receive.go; serve's SMTP listener takes them too)
		{method: "POST", path: "/api/postrider/bounces", auth: authInbound, handler: receiveBounces(cfg.Health)},

		// the web app's words, the files the binary carries (words.go)
		{method: "GET", path: "/i18n/{file}", auth: authAnyone, handler: serveWords},

		// the unsubscribe link of every mailing message (unsubscribe.go)
		{method: "GET", path: "/unsubscribe/preview", auth: authAnyone, handler: unsubscribeTestPage, middlewares: tooManyPage},
		{method: "GET", path: "/unsubscribe/{token}", auth: authAnyone, handler: unsubscribeAsk, middlewares: tooManyPage},
		{method: "POST", path: "/unsubscribe/{token}/confirm", auth: authAnyone, handler: unsubscribeConfirm, middlewares: tooManyPage},
		{method: "POST", path: "/unsubscribe/{token}", auth: authAnyone, handler: unsubscribeOneClick, middlewares: tooManyText},
		{method: "POST", path: "/unsubscribe/{token}/undo", auth: authAnyone, handler: unsubscribeUndo, middlewares: tooManyPage},
	}
}

// bindRoutes is the one binding of the service's HTTP side: the
// middlewares of every request, then every route of the table.
func bindRoutes(app core.App, cfg config.Config, mails *senderMails) {
	table := routes(cfg, mails)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(refuseBlockedTokens()) // sessions.go
		se.Router.Bind(diskFullAnswer())      // disk_full.go
		for _, r := range table {
			se.Router.Route(r.method, r.path, r.handler).
				Bind(r.auth.middlewares(cfg)...).
				Bind(r.middlewares...).
				Unbind(r.unbind...)
		}
		return se.Next()
	})
}
