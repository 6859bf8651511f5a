package hooks_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/hooks"
)

// The fixture: one seeded data dir, made once, that every test app copies.
//
//	alice, bob   plain users, each with a list, two clients, a mailing with a
//	             schedule, a run and a delivery
//	mod, mod2    moderators
//	bella        a user blocked after a token was issued to her (bellaOldToken)
//	uma          a user who never confirmed her email
//	posts        one published, one draft
//	senders      alice's verified desk and unverified new one, bob's verified one
const (
	aliceID = "aliceuser000001"
	bobID   = "bobuser00000001"
	modID   = "moduser00000001"
	mod2ID  = "moduser00000002"
	bellaID = "bellauser000001"
	umaID   = "umauser00000001"

	aliceList       = "alicelist000001"
	aliceClient     = "aliceclient0001"
	aliceClient2    = "aliceclient0002"
	aliceMailing    = "alicemailing001"
	aliceSchedule   = "aliceschedule01"
	aliceRun        = "alicerun0000001"
	aliceDelivery   = "alicedelivery01"
	bobList         = "boblist00000001"
	bobClient       = "bobclient000001"
	bobClient2      = "bobclient000002"
	bobMailing      = "bobmailing00001"
	bobSchedule     = "bobschedule0001"
	bobRun          = "bobrun000000001"
	bobDelivery     = "bobdelivery0001"
	bellaMailing    = "bellamailing001"
	aliceSender     = "alicesender0001"
	aliceSenderNew  = "alicesender0002"
	bobSender       = "bobsender000001"
	publishedPost   = "postpublished01"
	draftPost       = "postdraft000001"
	fixturePassword = "correct horse 1"
)

var (
	fixtureDir string
	// tokens by caller name: alice, bob, mod, bellaOld, superuser
	tokens = map[string]string{}
)

func TestMain(m *testing.M) {
	code, err := runWithFixture(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fixture:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithFixture(m *testing.M) (int, error) {
	empty, err := os.MkdirTemp("", "postrider-empty-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(empty)
	app, err := tests.NewTestApp(empty)
	if err != nil {
		return 0, err
	}
	hooks.Register(app, config.Config{})
	if err := seed(app); err != nil {
		app.Cleanup()
		return 0, err
	}
	fixtureDir = app.DataDir()
	// close the databases, keep the files for the test apps to copy
	if err := app.ResetBootstrapState(); err != nil {
		return 0, err
	}
	defer os.RemoveAll(fixtureDir)
	return m.Run(), nil
}

// newTestApp is the TestAppFactory of every scenario: a copy of the fixture
// with every Postrider hook bound, as main binds them.
func newTestApp(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestApp(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, config.Config{})
	return app
}

func seed(app core.App) error {
	user := func(id, email, role string, verified bool) (*core.Record, error) {
		col, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Id = id
		r.SetEmail(email)
		r.SetPassword(fixturePassword)
		r.SetVerified(verified)
		r.Set("name", id)
		r.Set("role", role)
		return r, app.Save(r)
	}
	for _, u := range []struct{ id, email, role string }{
		{aliceID, "alice@example.com", "user"},
		{bobID, "bob@example.com", "user"},
		{modID, "mod@example.com", "moderator"},
		{mod2ID, "mod2@example.com", "moderator"},
	} {
		r, err := user(u.id, u.email, u.role, true)
		if err != nil {
			return fmt.Errorf("user %s: %w", u.id, err)
		}
		if u.id != mod2ID {
			tok, err := r.NewAuthToken()
			if err != nil {
				return err
			}
			tokens[map[string]string{aliceID: "alice", bobID: "bob", modID: "mod"}[u.id]] = tok
		}
	}
	if _, err := user(umaID, "uma@example.com", "user", false); err != nil {
		return err
	}
	bella, err := user(bellaID, "bella@example.com", "user", true)
	if err != nil {
		return err
	}
	if tokens["bellaOld"], err = bella.NewAuthToken(); err != nil {
		return err
	}

	su, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	root := core.NewRecord(su)
	root.SetEmail("root@example.com")
	root.SetPassword(fixturePassword)
	if err := app.Save(root); err != nil {
		return err
	}
	if tokens["superuser"], err = root.NewAuthToken(); err != nil {
		return err
	}

	tomorrow := types.NowDateTime().Add(24 * time.Hour)
	save := func(collection, id string, data map[string]any) error {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Id = id
		r.Load(data)
		if err := app.Save(r); err != nil {
			return fmt.Errorf("%s %s: %w", collection, id, err)
		}
		return nil
	}
	type userData struct {
		owner, list, client, client2, mailing, schedule, run, delivery, name string
	}
	for _, u := range []userData{
		{aliceID, aliceList, aliceClient, aliceClient2, aliceMailing, aliceSchedule, aliceRun, aliceDelivery, "alice"},
		{bobID, bobList, bobClient, bobClient2, bobMailing, bobSchedule, bobRun, bobDelivery, "bob"},
	} {
		steps := []struct {
			collection, id string
			data           map[string]any
		}{
			{"lists", u.list, map[string]any{"owner": u.owner, "name": u.name + " VIP"}},
			{"clients", u.client, map[string]any{"owner": u.owner, "email": u.name + "-client@example.com", "name": u.name + " client", "lists": []string{u.list}}},
			{"clients", u.client2, map[string]any{"owner": u.owner, "email": u.name + "-client2@example.com", "name": u.name + " client two"}},
			{"mailings", u.mailing, map[string]any{"owner": u.owner, "subject": u.name + " news", "body": "<p>Hello from " + u.name + "</p>", "lists": []string{u.list}, "clients": []string{u.client2}}},
			{"schedules", u.schedule, map[string]any{"mailing": u.mailing, "starts_at": tomorrow, "ends_at": tomorrow.Add(30 * 24 * time.Hour), "period": "weekly", "next_run_at": tomorrow}},
			{"runs", u.run, map[string]any{"owner": u.owner, "mailing": u.mailing, "schedule": u.schedule, "run_at": tomorrow, "status": "done", "total": 1, "sent": 1}},
			{"deliveries", u.delivery, map[string]any{"owner": u.owner, "mailing": u.mailing, "run": u.run, "schedule": u.schedule, "client": u.client, "email": u.name + "-client@example.com", "run_at": tomorrow, "status": "sent", "attempts": 1, "response": "250 2.0.0 Ok: queued", "sent_at": tomorrow}},
		}
		for _, s := range steps {
			if err := save(s.collection, s.id, s.data); err != nil {
				return err
			}
		}
	}
	// bella's mailing names no one, as mailings could before the rule that
	// a mailing has recipients: saved without validation
	mailings, err := app.FindCollectionByNameOrId("mailings")
	if err != nil {
		return err
	}
	old := core.NewRecord(mailings)
	old.Id = bellaMailing
	old.Load(map[string]any{"owner": bellaID, "subject": "bella news", "body": "<p>Hi</p>", "status": "created"})
	if err := app.SaveNoValidate(old); err != nil {
		return err
	}
	for _, s := range []struct {
		id   string
		data map[string]any
	}{
		{aliceSender, map[string]any{"owner": aliceID, "name": "alice desk", "email": "desk@alice.example", "verified": true, "verified_at": types.NowDateTime()}},
		{aliceSenderNew, map[string]any{"owner": aliceID, "name": "alice new", "email": "new@alice.example"}},
		{bobSender, map[string]any{"owner": bobID, "name": "bob desk", "email": "desk@bob.example", "verified": true, "verified_at": types.NowDateTime()}},
	} {
		if err := save("senders", s.id, s.data); err != nil {
			return err
		}
	}
	bella.Set("blocked", true)
	if err := app.Save(bella); err != nil {
		return err
	}
	if err := save("posts", publishedPost, map[string]any{"title": "Hello", "slug": "hello", "body": "<p>Welcome</p>", "published": true, "published_at": types.NowDateTime()}); err != nil {
		return err
	}
	return save("posts", draftPost, map[string]any{"title": "Draft", "slug": "draft", "body": "<p>Soon</p>"})
}
