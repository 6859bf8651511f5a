package dispatch

import (
	"time"

	"github.com/pocketbase/dbx"
)

// The responses of deliveries a run skips, unsent: failed without an
// attempt. The mailing's page counts them by these words (SkipReason).
const (
	SkippedUnsubscribed = "not sent: the client unsubscribed after the run began"
	SkippedBouncing     = "not sent: this address bounced 3 times in a row (the mail server refused it for good); " +
		"clear its bouncing mark on the clients page to send to it again"
)

// SkipReason names why a delivery with this response was skipped:
// "unsubscribed", "bouncing", or "other".
func SkipReason(response string) string {
	switch response {
	case SkippedUnsubscribed:
		return "unsubscribed"
	case SkippedBouncing:
		return "bouncing"
	}
	return "other"
}

// skipExcluded fails, unsent, the run's pending deliveries to clients who
// unsubscribed or were marked bouncing since the run was claimed (a run
// resumed after a stop, or retried on a later pass): they get nothing more
// from the owner until they subscribe again or the owner clears the mark.
// Clients bouncing when the run is claimed are skipped there (claim.go).
func (s *runSender) skipExcluded() error {
	_, err := s.p.app.DB().NewQuery(`
		UPDATE deliveries SET status = 'failed', updated = {:now},
		       response = (SELECT CASE WHEN c.unsubscribed THEN {:unsubscribed} ELSE {:bouncing} END
		                   FROM clients c WHERE c.id = deliveries.client)
		WHERE run = {:run} AND status = 'pending' AND client IN (
		      SELECT id FROM clients WHERE owner = {:owner} AND unsubscribed = TRUE
		      UNION ALL SELECT id FROM clients WHERE owner = {:owner} AND bouncing = TRUE)`).
		Bind(dbx.Params{"run": s.run.Id, "owner": s.mailing.GetString("owner"), "now": dbTime(time.Now()),
			"unsubscribed": SkippedUnsubscribed, "bouncing": SkippedBouncing}).Execute()
	return err
}
