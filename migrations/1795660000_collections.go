package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The rules below are written from the caller's side:
//   - a user: a record of the users collection (login needs a confirmed email);
//   - the owner: that user, when the record's owner is them;
//   - a moderator: a user whose role is moderator;
//   - superusers pass every rule; anonymous callers pass only the empty ones.
//
// What a rule cannot say (who owns a related record, which fields a moderator
// may change, dates) is checked by the hooks in hooks/.
const (
	ruleUser      = "@request.auth.collectionName = 'users'"
	ruleModerator = "(@request.auth.collectionName = 'users' && @request.auth.role = 'moderator')"
	ruleOwner     = "(@request.auth.collectionName = 'users' && owner = @request.auth.id)"
)

func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		if err := extendUsers(app, users); err != nil {
			return err
		}

		lists := core.NewBaseCollection("lists")
		setRules(lists, ruleOwner, ruleUser, ruleOwner, ruleOwner)
		lists.Fields.Add(
			ownerField(users),
			&core.TextField{Name: "name", Required: true, Max: 100},
			&core.TextField{Name: "description", Max: 1000},
		)
		addDates(lists)
		lists.AddIndex("idx_lists_owner_name", true, "owner, name COLLATE NOCASE", "")
		if err := app.Save(lists); err != nil {
			return err
		}

		clients := core.NewBaseCollection("clients")
		setRules(clients, ruleOwner, ruleUser, ruleOwner, ruleOwner)
		clients.Fields.Add(
			ownerField(users),
			&core.EmailField{Name: "email", Required: true},
			&core.TextField{Name: "name", Max: 255},
			&core.TextField{Name: "comment", Max: 2000},
			&core.RelationField{Name: "lists", CollectionId: lists.Id, MaxSelect: 1000},
			&core.BoolField{Name: "unsubscribed"},
		)
		addDates(clients)
		clients.AddIndex("idx_clients_owner_email", true, "owner, email COLLATE NOCASE", "")
		if err := app.Save(clients); err != nil {
			return err
		}

		mailings := core.NewBaseCollection("mailings")
		setRules(mailings, ruleOwner+" || "+ruleModerator, ruleUser, ruleOwner+" || "+ruleModerator, ruleOwner)
		mailings.Fields.Add(
			ownerField(users),
			&core.TextField{Name: "subject", Required: true, Max: 255, Pattern: `^[^\r\n]*$`},
			&core.EditorField{Name: "body", Required: true, MaxSize: 1 << 20},
			&core.RelationField{Name: "lists", CollectionId: lists.Id, MaxSelect: 1000},
			// hand-picked clients are capped (hooks/mailings.go reads the cap from here):
			// saving 30,000 ids took 21 s and 40,000 hit SQLite's variable limit,
			// so larger audiences go through lists
			&core.RelationField{Name: "clients", CollectionId: clients.Id, MaxSelect: 2000},
			&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"created", "running", "completed"}},
			&core.BoolField{Name: "stopped"},
		)
		addDates(mailings)
		mailings.AddIndex("idx_mailings_owner", false, "owner, created", "")
		mailings.AddIndex("idx_mailings_status", false, "status", "")
		if err := app.Save(mailings); err != nil {
			return err
		}

		// a schedule belongs to whoever owns its mailing
		scheduleOwner := "(@request.auth.collectionName = 'users' && mailing.owner = @request.auth.id)"
		schedules := core.NewBaseCollection("schedules")
		setRules(schedules, scheduleOwner+" || "+ruleModerator, ruleUser, scheduleOwner, scheduleOwner)
		schedules.Fields.Add(
			&core.RelationField{Name: "mailing", Required: true, CollectionId: mailings.Id, MaxSelect: 1, CascadeDelete: true},
			&core.DateField{Name: "starts_at", Required: true},
			&core.DateField{Name: "ends_at", Required: true},
			&core.SelectField{Name: "period", Required: true, MaxSelect: 1, Values: []string{"once", "daily", "weekly", "monthly"}},
			&core.DateField{Name: "next_run_at"},
			&core.DateField{Name: "last_run_at"},
		)
		addDates(schedules)
		schedules.AddIndex("idx_schedules_mailing", false, "mailing", "")
		schedules.AddIndex("idx_schedules_next_run_at", false, "next_run_at", "")
		if err := app.Save(schedules); err != nil {
			return err
		}

		runs := core.NewBaseCollection("runs")
		runs.ListRule = types.Pointer(ruleOwner + " || " + ruleModerator)
		runs.ViewRule = types.Pointer(ruleOwner + " || " + ruleModerator)
		runs.Fields.Add(
			ownerField(users),
			&core.RelationField{Name: "mailing", Required: true, CollectionId: mailings.Id, MaxSelect: 1, CascadeDelete: true},
			// a removed window keeps its history: runs and deliveries outlive it
			&core.RelationField{Name: "schedule", CollectionId: schedules.Id, MaxSelect: 1},
			&core.DateField{Name: "run_at", Required: true},
			&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"sending", "done", "paused"}},
			&core.NumberField{Name: "total", OnlyInt: true},
			&core.NumberField{Name: "sent", OnlyInt: true},
			&core.NumberField{Name: "failed", OnlyInt: true},
			&core.DateField{Name: "started_at"},
			&core.DateField{Name: "finished_at"},
			&core.TextField{Name: "note", Max: 2000},
		)
		addDates(runs)
		runs.AddIndex("idx_runs_schedule_run_at", true, "schedule, run_at", "")
		runs.AddIndex("idx_runs_mailing", false, "mailing, run_at", "")
		runs.AddIndex("idx_runs_status", false, "status", "")
		if err := app.Save(runs); err != nil {
			return err
		}

		deliveries := core.NewBaseCollection("deliveries")
		deliveries.ListRule = types.Pointer(ruleOwner)
		deliveries.ViewRule = types.Pointer(ruleOwner)
		deliveries.Fields.Add(
			ownerField(users),
			&core.RelationField{Name: "mailing", Required: true, CollectionId: mailings.Id, MaxSelect: 1, CascadeDelete: true},
			&core.RelationField{Name: "run", Required: true, CollectionId: runs.Id, MaxSelect: 1, CascadeDelete: true},
			// the window's and the client's ids as text: the log outlives them
			// (the address stays in email), and a relation would make removing
			// one rewrite every delivery that names it, one by one
			&core.TextField{Name: "schedule", Max: 15},
			&core.TextField{Name: "client", Max: 15},
			&core.EmailField{Name: "email", Required: true},
			&core.DateField{Name: "run_at", Required: true},
			&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"pending", "sent", "failed"}},
			&core.NumberField{Name: "attempts", OnlyInt: true},
			&core.TextField{Name: "response", Max: 2000},
			&core.TextField{Name: "message_id", Max: 255},
			&core.DateField{Name: "sent_at"},
		)
		addDates(deliveries)
		// one message per client and run, whatever happens to the dispatcher
		deliveries.AddIndex("idx_deliveries_run_client", true, "run, client", "")
		// the log of a mailing by time; no index holds the status, so that
		// recording an outcome rewrites the row alone
		deliveries.AddIndex("idx_deliveries_mailing_time", false, "mailing, created", "")
		deliveries.AddIndex("idx_deliveries_owner_time", false, "owner, created", "")
		if err := app.Save(deliveries); err != nil {
			return err
		}

		posts := core.NewBaseCollection("posts")
		posts.ListRule = types.Pointer("published = true")
		posts.ViewRule = types.Pointer("published = true")
		posts.Fields.Add(
			&core.TextField{Name: "title", Required: true, Max: 255},
			&core.TextField{Name: "slug", Required: true, Max: 255, Pattern: `^[a-z0-9]+(?:-[a-z0-9]+)*$`},
			&core.EditorField{Name: "body", Required: true},
			&core.FileField{Name: "image", MaxSelect: 1, MaxSize: 5 << 20, MimeTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp"}, Thumbs: []string{"640x360"}},
			&core.BoolField{Name: "published"},
			&core.DateField{Name: "published_at"},
			&core.NumberField{Name: "views", OnlyInt: true, Min: types.Pointer(0.0)},
		)
		addDates(posts)
		posts.AddIndex("idx_posts_slug", true, "slug", "")
		posts.AddIndex("idx_posts_published", false, "published, published_at", "")
		return app.Save(posts)
	}, func(app core.App) error {
		for _, name := range []string{"posts", "deliveries", "runs", "schedules", "mailings", "clients", "lists"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.RemoveByName("role")
		users.Fields.RemoveByName("blocked")
		users.Fields.RemoveByName("timezone")
		return app.Save(users)
	})
}

// extendUsers adds the role, the blocked flag and the time zone to the
// default users collection, and lets moderators list users.
func extendUsers(app core.App, users *core.Collection) error {
	users.Fields.Add(
		&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: []string{"user", "moderator"}},
		&core.BoolField{Name: "blocked"},
		&core.TextField{Name: "timezone", Max: 64},
	)
	self := "id = @request.auth.id"
	users.ListRule = types.Pointer(self + " || " + ruleModerator)
	users.ViewRule = types.Pointer(self + " || " + ruleModerator)
	users.CreateRule = types.Pointer("")
	users.UpdateRule = types.Pointer(self + " || " + ruleModerator)
	users.DeleteRule = types.Pointer(self)
	// checked on every token issue, refresh included; hooks/users.go
	// answers the password login first with a message that says why
	users.AuthRule = types.Pointer("verified = true && blocked = false")
	return app.Save(users)
}

// setRules sets the rules of a collection whose records users write:
// read is both the list and the view rule.
func setRules(c *core.Collection, read, create, update, delete string) {
	c.ListRule = types.Pointer(read)
	c.ViewRule = types.Pointer(read)
	c.CreateRule = types.Pointer(create)
	c.UpdateRule = types.Pointer(update)
	c.DeleteRule = types.Pointer(delete)
}

func ownerField(users *core.Collection) *core.RelationField {
	return &core.RelationField{Name: "owner", Required: true, CollectionId: users.Id, MaxSelect: 1, CascadeDelete: true}
}

func addDates(c *core.Collection) {
	c.Fields.Add(
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
}
