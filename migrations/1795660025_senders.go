package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Senders (issue 25, DESIGN.md "Senders and bounces"): a user's own
// identities, each address verified by a link mailed to it.
//   - senders: owner, name (the display name), email, reply_to (optional),
//     verified and verified_at, which only the server sets
//     (hooks/senders.go), and which a change of the email clears.
//     The owner alone lists, views, changes and deletes them;
//   - mailings.sender (→ senders, the owner's own and verified, checked in
//     hooks/owned.go). Deleting a sender empties the field of its mailings
//     (PocketBase unsets a relation that is not required), which then go
//     out as their owner, as one whose sender is no longer verified does;
//   - a rate limit on the public confirmation page, per client IP, as the
//     unsubscribe page has.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		senders := core.NewBaseCollection("senders")
		setRules(senders, ruleOwner, ruleUser, ruleOwner, ruleOwner)
		senders.Fields.Add(
			ownerField(users),
			&core.TextField{Name: "name", Required: true, Max: 100},
			&core.EmailField{Name: "email", Required: true},
			&core.EmailField{Name: "reply_to"},
			&core.BoolField{Name: "verified"},
			&core.DateField{Name: "verified_at"},
		)
		addDates(senders)
		senders.AddIndex("idx_senders_owner", false, "owner, created", "")
		if err := app.Save(senders); err != nil {
			return err
		}

		mailings, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		mailings.Fields.Add(&core.RelationField{Name: "sender", CollectionId: senders.Id, MaxSelect: 1})
		if err := app.Save(mailings); err != nil {
			return err
		}

		s := app.Settings()
		if !slices.ContainsFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool { return x.Label == senderConfirmLimit.Label }) {
			s.RateLimits.Rules = append(s.RateLimits.Rules, senderConfirmLimit)
		}
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Rules = slices.DeleteFunc(s.RateLimits.Rules, func(x core.RateLimitRule) bool {
			return x.Label == senderConfirmLimit.Label
		})
		if err := app.Save(s); err != nil {
			return err
		}
		mailings, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		mailings.Fields.RemoveByName("sender")
		if err := app.Save(mailings); err != nil {
			return err
		}
		senders, err := app.FindCollectionByNameOrId("senders")
		if err != nil {
			return err
		}
		return app.Delete(senders)
	})
}

// senderConfirmLimit: "/senders/confirm/" is a prefix of both the page
// (GET) and its button (POST); a person opens one link.
var senderConfirmLimit = core.RateLimitRule{Label: "/senders/confirm/", MaxRequests: 30, Duration: 60}
