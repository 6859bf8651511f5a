package dispatch

import (
	"log/slog"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// countBounces keeps the bounce streaks (clients.bounces) of the clients
// whose deliveries this pass of the run recorded (their updated is since or
// later), in one transaction once the run's sending is over: a refusal of
// the address itself (a 5xx reply to RCPT TO that smtpclient.MailboxRefusal reads as a
// mailbox refusal, its response ending in addressRefused) adds one, and
// three in a row mark the client bouncing; a message sent ends the streak.
// Other failures (a refusal of the message or the sender, 4xx until the
// attempts ran out, no reply, skipped) leave it alone. Both statements read
// only the few rows of their partial indexes (migration 1795660011: the
// run's 5xx refusals, of which the first keeps the address's), so sending
// a message costs nothing more. A crash before this loses the pass's
// bounces, never counts one twice.
func (s *runSender) countBounces(since string) {
	params := dbx.Params{"run": s.run.Id, "owner": s.mailing.GetString("owner"), "since": since, "mark": addressRefused}
	err := s.p.app.RunInTransaction(func(tx core.App) error {
		_, err := tx.DB().NewQuery(`
			UPDATE clients SET bounces = bounces + 1, bouncing = (bouncing OR bounces + 1 >= 3)
			WHERE id IN (SELECT client FROM deliveries INDEXED BY idx_deliveries_refused
			             WHERE run = {:run} AND updated >= {:since} AND status = '` + deliveryFailed + `' AND response GLOB '5[0-9][0-9]*'
			               AND substr(response, -length({:mark})) = {:mark})`).
			Bind(params).Execute()
		if err != nil {
			return err
		}
		_, err = tx.DB().NewQuery(`
			UPDATE clients INDEXED BY idx_clients_streak SET bounces = 0
			WHERE owner = {:owner} AND bounces > 0 AND EXISTS (
			      SELECT 1 FROM deliveries d WHERE d.run = {:run} AND d.client = clients.id AND d.status = '` + deliverySent + `' AND d.updated >= {:since})`).
			Bind(params).Execute()
		return err
	})
	if err != nil {
		s.p.log.Error("Failed to count the run's bounces", slog.String("run", s.run.Id), slog.String("error", err.Error()))
	}
}
