package seed

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The data set of issue 22's item 14 (go run ./bench audience): one user
// with 1,000,000 clients in 100 lists, each client in one list and every
// fifth in a second one too, one in fifty unsubscribed (none of them in the first list alone).
const (
	AudienceClients = 1000000
	AudienceLists   = 100
)

// AudienceData seeds dataDir (created if missing) with the data set above,
// by SQL, and returns the user's id and lists.
func AudienceData(dataDir string) (user string, lists []string, err error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return "", nil, err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return "", nil, err
	}
	owner, err := newUser(app, OwnerEmail, map[string]any{"role": "user", "timezone": "UTC", "name": "Big audience"})
	if err != nil {
		return "", nil, err
	}
	p := dbx.Params{"owner": owner.Id, "clients": AudienceClients, "lists": AudienceLists}
	steps := []string{
		`INSERT INTO lists (id, owner, name, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:lists} - 1)
		 SELECT printf('al%013d', i), {:owner}, printf('List %d', i + 1), '', '' FROM seq`,
		`INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:clients} - 1)
		 SELECT printf('ac%013d', i), {:owner},
		        CASE WHEN i % 3 = 0 THEN printf('Client%d@Example.test', i) ELSE printf('client%d@example.test', i) END,
		        printf('Client %d', i), '',
		        CASE WHEN i % 5 = 0 THEN json_array(printf('al%013d', i % {:lists}), printf('al%013d', (i + 1) % {:lists}))
		             ELSE json_array(printf('al%013d', i % {:lists})) END,
		        i % 50 = 7, '', ''
		 FROM seq`,
	}
	if err := writeAll(app, p, steps); err != nil {
		return "", nil, err
	}
	err = app.DB().NewQuery("SELECT id FROM lists WHERE owner = {:owner} ORDER BY id").Bind(p).Column(&lists)
	return owner.Id, lists, err
}
