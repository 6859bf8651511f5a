package seed

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The data set of issue 11 (go run ./bench pages): 100 users and a
// moderator (ModeratorEmail, OwnerPassword); the first user, the big
// sender, has 100,000 clients in 10 lists, 50 mailings of two runs each
// and 1,000,000 deliveries over the last 90 days (issue 29's scale:
// 1,000,000 and 10,000,000, by PagesSize); the 99 others have a mailing,
// a run and 10,102 deliveries each. Runs carry their counters, as the
// dispatcher leaves them.
const (
	PagesClients        = 100000
	PagesLists          = 10
	PagesMailings       = 50
	PagesRunsPerMailing = 2
	PagesDeliveries     = 1000000
	PagesOthers         = 99
	PagesOtherEach      = 10102
	PagesDays           = 90
)

// ModeratorEmail is the seeded moderator's login (with OwnerPassword).
const ModeratorEmail = "moderator@postrider.test"

// PagesSize is the big sender's part: how many clients and deliveries.
type PagesSize struct{ Clients, Deliveries int }

// Pages is what PagesData made.
type Pages struct {
	User     string   // the big sender (OwnerEmail, OwnerPassword)
	Lists    []string // its lists
	Mailings []string // its mailings, oldest first
}

// PagesData seeds dataDir (created if missing) with the data set above, by
// SQL (a minute or so). It leaves SQLite's statistics as the migrations
// left them (of empty tables), as a data dir that grew by sending has them.
func PagesData(dataDir string, size PagesSize) (Pages, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return Pages{}, err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return Pages{}, err
	}
	user, err := newUser(app, OwnerEmail, map[string]any{"role": "user", "timezone": "Europe/Berlin", "name": "Big sender"})
	if err != nil {
		return Pages{}, err
	}
	if _, err := newUser(app, ModeratorEmail, map[string]any{"role": "moderator", "timezone": "UTC", "name": "Moderator"}); err != nil {
		return Pages{}, err
	}

	now := time.Now().UTC()
	p := dbx.Params{
		"owner": user.Id, "clients": size.Clients, "lists": PagesLists, "mailings": PagesMailings,
		"rpm": PagesRunsPerMailing, "deliveries": size.Deliveries, "others": PagesOthers, "each": PagesOtherEach,
		// julian days: the first run 90 days ago, the last one today
		"start": julian(now.AddDate(0, 0, -PagesDays)), "span": float64(PagesDays) - 1, "now": julian(now),
	}
	// ids: 15 characters of [a-z0-9], as PocketBase's
	steps := []string{
		// the other users share the big sender's password hash and settings
		`INSERT INTO users (id, email, verified, password, tokenKey, name, role, timezone, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:others})
		 SELECT printf('pu%013d', i), printf('sender%d@postrider.test', i), 1, u.password, printf('pagestoken%05d', i),
		        printf('Sender %d', i), 'user', 'UTC', u.created, u.updated
		 FROM seq, users u WHERE u.id = {:owner}`,
		`INSERT INTO lists (id, owner, name, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:lists} - 1)
		 SELECT printf('pl%013d', i), {:owner}, printf('List %d', i + 1), strftime('%Y-%m-%d %H:%M:%fZ', {:start}), strftime('%Y-%m-%d %H:%M:%fZ', {:start})
		 FROM seq`,
		// every client in one list, every fifth in a second one too; one in
		// fifty unsubscribed; addresses in mixed case, as imports bring them
		`INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:clients} - 1)
		 SELECT printf('pc%013d', i), {:owner},
		        CASE WHEN i % 3 = 0 THEN printf('Client%d@Example.test', i) ELSE printf('client%d@example.test', i) END,
		        printf('Client %d', i), CASE WHEN i % 7 = 0 THEN 'met at the fair' ELSE '' END,
		        CASE WHEN i % 5 = 0 THEN json_array(printf('pl%013d', i % {:lists}), printf('pl%013d', (i + 1) % {:lists}))
		             ELSE json_array(printf('pl%013d', i % {:lists})) END,
		        i % 50 = 0, strftime('%Y-%m-%d %H:%M:%fZ', {:start}), strftime('%Y-%m-%d %H:%M:%fZ', {:start})
		 FROM seq`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:mailings} - 1)
		 SELECT printf('pm%013d', i), {:owner}, printf('Newsletter %d', i + 1), '<p>Hello</p>',
		        json_array(printf('pl%013d', i % {:lists})), '[]', 'completed',
		        strftime('%Y-%m-%d %H:%M:%fZ', {:start} + {:span} * i / {:mailings}), strftime('%Y-%m-%d %H:%M:%fZ', {:start} + {:span} * i / {:mailings})
		 FROM seq`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:others})
		 SELECT printf('pn%013d', i), printf('pu%013d', i), 'Their newsletter', '<p>Hello</p>', '[]', '[]', 'completed',
		        strftime('%Y-%m-%d %H:%M:%fZ', {:start}), strftime('%Y-%m-%d %H:%M:%fZ', {:start})
		 FROM seq`,
		// a window each, over by now (a mailing's page lists its windows)
		`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, next_run_at, last_run_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:mailings} - 1),
		      t(i, at) AS (SELECT i, {:start} + {:span} * i * {:rpm} / ({:mailings} * {:rpm} - 1) FROM seq)
		 SELECT printf('pw%013d', i), printf('pm%013d', i), strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at + 7),
		        'daily', '', strftime('%Y-%m-%d %H:%M:%fZ', at + 1), strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at)
		 FROM t`,
		// runs: the big sender's spread evenly over the 90 days, each of
		// a hundredth of the deliveries (10,000) sent one a second; the others'
		// on their first day
		`INSERT INTO runs (id, owner, mailing, schedule, run_at, status, total, sent, failed, started_at, finished_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:mailings} * {:rpm} - 1),
		      t(i, at) AS (SELECT i, {:start} + {:span} * i / ({:mailings} * {:rpm} - 1) FROM seq)
		 SELECT printf('pr%013d', i), {:owner}, printf('pm%013d', i / {:rpm}), printf('pw%013d', i / {:rpm}), strftime('%Y-%m-%d %H:%M:%fZ', at), 'done',
		        {:deliveries} / ({:mailings} * {:rpm}), {:deliveries} / ({:mailings} * {:rpm}) / 100 * 97, {:deliveries} / ({:mailings} * {:rpm}) / 100 * 3,
		        strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at + {:deliveries} / ({:mailings} * {:rpm}) / 86400.0),
		        strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at + {:deliveries} / ({:mailings} * {:rpm}) / 86400.0)
		 FROM t`,
		`INSERT INTO runs (id, owner, mailing, run_at, status, total, sent, failed, started_at, finished_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:others})
		 SELECT printf('ps%013d', i), printf('pu%013d', i), printf('pn%013d', i), strftime('%Y-%m-%d %H:%M:%fZ', {:start} + i / 86400.0), 'done',
		        {:each}, {:each} - {:each} / 20, {:each} / 20,
		        strftime('%Y-%m-%d %H:%M:%fZ', {:start}), strftime('%Y-%m-%d %H:%M:%fZ', {:start} + {:each} / 86400.0),
		        strftime('%Y-%m-%d %H:%M:%fZ', {:start}), strftime('%Y-%m-%d %H:%M:%fZ', {:start} + {:each} / 86400.0)
		 FROM seq`,
		// the big sender's log: run r holds deliveries r*10000 … r*10000+9999
		// (a hundredth of them each), to clients (i mod clients); 97 in 100
		// sent, 3 failed
		`INSERT INTO deliveries (id, owner, mailing, run, client, email, run_at, status, attempts, response, message_id, sent_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:deliveries} - 1),
		      d(i, r, at) AS (SELECT i, i / ({:deliveries} / ({:mailings} * {:rpm})),
		                             {:start} + {:span} * (i / ({:deliveries} / ({:mailings} * {:rpm}))) / ({:mailings} * {:rpm} - 1)
		                                      + (i % ({:deliveries} / ({:mailings} * {:rpm}))) / 86400.0 FROM seq)
		 SELECT printf('pd%013d', i), {:owner}, printf('pm%013d', r / {:rpm}), printf('pr%013d', r), printf('pc%013d', i % {:clients}),
		        CASE WHEN i % {:clients} % 3 = 0 THEN printf('Client%d@Example.test', i % {:clients}) ELSE printf('client%d@example.test', i % {:clients}) END,
		        strftime('%Y-%m-%d %H:%M:%fZ', {:start} + {:span} * r / ({:mailings} * {:rpm} - 1)),
		        CASE WHEN i % 100 < 3 THEN 'failed' ELSE 'sent' END, 1,
		        CASE WHEN i % 100 < 3 THEN '550 5.1.1 mailbox unavailable' ELSE '250 2.0.0 Ok: queued' END,
		        CASE WHEN i % 100 < 3 THEN '' ELSE printf('<pd%013d@postrider.test>', i) END,
		        CASE WHEN i % 100 < 3 THEN '' ELSE strftime('%Y-%m-%d %H:%M:%fZ', at) END,
		        strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at)
		 FROM d`,
		`INSERT INTO deliveries (id, owner, mailing, run, client, email, run_at, status, attempts, response, message_id, sent_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:others} * {:each} - 1),
		      d(i, u, at) AS (SELECT i, i / {:each} + 1, {:start} + (i % {:each}) / 86400.0 FROM seq)
		 SELECT printf('pe%013d', i), printf('pu%013d', u), printf('pn%013d', u), printf('ps%013d', u), printf('po%013d', i),
		        printf('reader%d@example.test', i), strftime('%Y-%m-%d %H:%M:%fZ', {:start}),
		        CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'sent' END, 1, '250 2.0.0 Ok: queued', '',
		        CASE WHEN i % 20 = 0 THEN '' ELSE strftime('%Y-%m-%d %H:%M:%fZ', at) END,
		        strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at)
		 FROM d`,
	}
	if err := writeAll(app, p, steps); err != nil {
		return Pages{}, err
	}
	out := Pages{User: user.Id}
	if err := app.DB().NewQuery("SELECT id FROM lists WHERE owner = {:owner} ORDER BY id").Bind(p).Column(&out.Lists); err != nil {
		return Pages{}, err
	}
	err = app.DB().NewQuery("SELECT id FROM mailings WHERE owner = {:owner} ORDER BY id").Bind(p).Column(&out.Mailings)
	return out, err
}

// writeAll runs the seeding statements in one transaction, then writes the
// log through to the database file, as in a data dir that has run a while
// (else the first reads wait for a checkpoint of 1 GB).
func writeAll(app core.App, p dbx.Params, steps []string) error {
	err := app.RunInTransaction(func(tx core.App) error {
		for _, q := range steps {
			if _, err := tx.DB().NewQuery(q).Bind(p).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute()
	return err
}

// julian is t as SQLite's julian day number.
func julian(t time.Time) float64 {
	return float64(t.UnixMilli())/86400000.0 + 2440587.5
}
