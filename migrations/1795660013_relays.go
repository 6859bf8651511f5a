package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Several relays (issue 12): the SMTP servers that carry the mail beside
// the one of the settings (dispatch/relays.go spreads sessions over them),
// superusers only: no API rule opens the collection, and the password is
// hidden besides. deliveries.relay names the relay that carried a message.
func init() {
	m.Register(func(app core.App) error {
		relays := core.NewBaseCollection("relays")
		relays.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 100},
			&core.TextField{Name: "host", Required: true, Max: 253},
			&core.NumberField{Name: "port", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(65535.0)},
			&core.SelectField{Name: "tls", Required: true, MaxSelect: 1, Values: []string{"none", "starttls", "tls"}},
			&core.TextField{Name: "username", Max: 500},
			&core.TextField{Name: "password", Max: 500, Hidden: true},
			&core.NumberField{Name: "connections", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(1000.0)},
			// messages a second; 0 = no limit (a NumberField's required
			// refuses 0, so it is not required: empty is 0)
			&core.NumberField{Name: "rate", Min: types.Pointer(0.0)},
			&core.NumberField{Name: "weight", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(1000.0)},
			&core.BoolField{Name: "enabled"},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		relays.AddIndex("idx_relays_name", true, "name", "")
		if err := app.Save(relays); err != nil {
			return err
		}

		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.Fields.Add(&core.TextField{Name: "relay", Max: 200})
		return app.Save(deliveries)
	}, func(app core.App) error {
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.Fields.RemoveByName("relay")
		if err := app.Save(deliveries); err != nil {
			return err
		}
		relays, err := app.FindCollectionByNameOrId("relays")
		if err != nil {
			return err
		}
		return app.Delete(relays)
	})
}
