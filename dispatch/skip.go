package dispatch

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
)

// The responses of deliveries a run skips, unsent: failed without an
// attempt. The mailing's page counts them by these words (SkipReason).
const (
	SkippedUnsubscribed = "not sent: the client unsubscribed after the run began"
	SkippedBouncing     = "not sent: this address bounced 3 times in a row (the mail server refused it for good); " +
		"clear its bouncing mark on the clients page to send to it again"
	SkippedDeleted = "not sent: the client was deleted after the run began"
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

// clientState reads whether a client still takes the run's message, by its
// primary key: a statement prepared once, on the pool of readers, so that
// the workers' checks neither parse SQL nor wait for the writer.
const clientState = `SELECT unsubscribed, bouncing FROM clients WHERE id = ?`

// skipped tells why a job must not be sent: its client unsubscribed, was
// marked bouncing, or was deleted since the run was claimed (SkippedX), or
// "" when it may go. A worker asks just before it begins the message, so
// that a client who leaves while a run sends gets nothing from it from
// then on; only a message whose check came before the change, and which
// is on its way, still goes. Clients bouncing when the run is claimed are
// skipped there (claim.go).
func (p *pass) skipped(client string) (string, error) {
	db, ok := p.app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return "", errors.New("checking the client needs the app's database, not a transaction")
	}
	stmt, err := prepared(p.app, db, clientState)
	if err != nil {
		return "", err
	}
	var unsubscribed, bouncing bool
	switch err := stmt.QueryRow(client).Scan(&unsubscribed, &bouncing); {
	case errors.Is(err, sql.ErrNoRows):
		return SkippedDeleted, nil
	case err != nil:
		return "", fmt.Errorf("reading the client's state: %w", err)
	case unsubscribed:
		return SkippedUnsubscribed, nil
	case bouncing:
		return SkippedBouncing, nil
	}
	return "", nil
}
