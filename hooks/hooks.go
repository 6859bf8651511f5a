// Package hooks holds what Postrider adds to PocketBase: the checks that API
// rules cannot express (ownership of related records, who may change which
// field, dates), account life cycle, and where mail goes.
//
// Register is the one wiring entry point; main and the tests both call it.
package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/dispatch"
	_ "postrider/migrations"
)

// Register binds every Postrider hook to app.
func Register(app core.App, cfg config.Config) {
	// environment variables override the dashboard's settings in memory,
	// never in the database (config/overlay.go)
	cfg.Layer(app)

	// the confirmation mail of senders, within its limits (senders_verify.go)
	senderMails := newSenderMails(app)

	// every custom route and the middlewares of every request (routes.go)
	bindRoutes(app, cfg, senderMails)

	bindUsers(app)
	bindNamesAndAddresses(app)
	bindOwned(app)
	bindMailings(app)
	bindSenders(app, senderMails)
	bindMailingBody(app)
	bindOncePerClient(app)
	bindModeration(app)
	bindDailyLimit(app, cfg)
	bindApproval(app, approvalMode(cfg.Approval))
	bindApprovalDigest(app, approvalMode(cfg.Approval))
	bindTrust(app)
	bindSchedules(app)
	bindPosts(app)
	bindBlog(app, cfg.BlogDir)
	bindDeliveries(app)
	bindRunsBySuperusers(app)
	bindOptimize(app)
	bindGreetings(app)
	bindDKIM(app)
	bindClientUnsubscribe(app)
	bindClientBouncing(app)
	bindClientWelcome(app)
	bindClientTimezone(app)
	bindDomains(app, cfg)

	// mailings go out on their own: the dispatcher's cron inside serve;
	// account mail takes the dispatcher's road too
	dispatch.Bind(app, cfg)
	dispatch.BindRetention(app, cfg.LogRetentionDays)
}
