package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// domains (issue 25): a user's sending domains, each with the DKIM key the
// server made for it (hooks/domains.go) and what the last DNS check found
// (POST /api/postrider/domains/{id}/check).
//
//   - owner only: a moderator never sees another user's domains, as they
//     never see their clients or delivery log; a domain is no content to
//     moderate. Users create (the owner is forced to the caller) and
//     delete; nobody updates through the API but superusers: the domain,
//     the selector and the key never change (delete and add again), and
//     the *_ok fields, checked_at and verified are the check's.
//   - dkim_private is hidden, and hooks/domains.go takes it out of every
//     response and realtime message, superusers' included, and refuses
//     filters and sorts that name it: the private key never leaves the server.
//   - unique (owner, domain): the hook says so in words first.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		c := core.NewBaseCollection("domains")
		c.Fields.Add(
			ownerField(users),
			&core.TextField{Name: "domain", Required: true, Max: 253},
			&core.TextField{Name: "selector", Max: 63},
			&core.TextField{Name: "dkim_public", Max: 1000},
			&core.TextField{Name: "dkim_private", Max: 4000, Hidden: true},
			&core.BoolField{Name: "dkim_ok"},
			&core.BoolField{Name: "spf_ok"},
			&core.BoolField{Name: "dmarc_ok"},
			&core.BoolField{Name: "return_path_ok"},
			&core.DateField{Name: "checked_at"},
			&core.BoolField{Name: "verified"},
		)
		addDates(c)
		c.ListRule = types.Pointer(ruleOwner)
		c.ViewRule = types.Pointer(ruleOwner)
		c.CreateRule = types.Pointer(ruleUser)
		c.DeleteRule = types.Pointer(ruleOwner)
		c.AddIndex("idx_domains_owner_domain", true, "owner, domain", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("domains")
		if err != nil {
			return err
		}
		return app.Delete(c)
	})
}
