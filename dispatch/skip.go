package dispatch

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
)

// The responses of deliveries a run skips, unsent: failed without an
// attempt. The mailing's page counts them by these words (SkipReason).
const (
	SkippedUnsubscribed = "not sent: the client unsubscribed after the run began"
	SkippedBouncing     = "not sent: this address bounced 3 times in a row (the mail server refused it for good); " +
		"clear its bouncing mark on the clients page to send to it again"
	SkippedDeleted = "not sent: the client was deleted after the run began"
	// SkippedLeft: a welcome whose client left the window's list before
	// its time (welcome.go); joining again brings a new one
	SkippedLeft = "not sent: the client left the list before their welcome was due"
	// a window sent at each recipient's own time reaches this client's
	// zone before its start or after its end (recipient_time.go)
	SkippedOutsideWindow = "not sent: at the client's own time this occurrence falls outside the window"
)

// SkipReason names why a delivery with this response was skipped:
// "unsubscribed", "bouncing", "deleted", "left" (a welcome's list),
// "outside_window", or "other".
func SkipReason(response string) string {
	switch response {
	case SkippedUnsubscribed:
		return "unsubscribed"
	case SkippedBouncing:
		return "bouncing"
	case SkippedDeleted:
		return "deleted"
	case SkippedLeft:
		return "left"
	case SkippedOutsideWindow:
		return "outside_window"
	}
	return "other"
}

// A job carries its client's state as the producer read it, in the same
// statement as the pending delivery (run.go). A job read more than fresh
// ago (it waited behind a rate limit, other runs or a back-off) has its
// client read again just before it is begun: at full speed a page of jobs
// goes out within fresh of its read and costs no read more a message,
// while a client who leaves a run that sends slowly is seen within fresh.
const fresh = 100 * time.Millisecond

// skip tells why j must not be sent: its client unsubscribed, was marked
// bouncing, was deleted since the run was claimed, or left the list of
// its welcome (SkippedX); "" when
// it may go. Clients bouncing when the run is claimed are skipped there
// (claim.go).
func (p *pass) skip(j job) (string, error) {
	if time.Since(j.read) < fresh {
		return j.skip, nil
	}
	return p.clientSkip(j.client, j.list)
}

// skipFor is the response of a job to a client found, or not, so; member
// tells whether it is still in the list of its welcome (always, for a
// run of another kind).
func skipFor(found, unsubscribed, bouncing, member bool) string {
	switch {
	case !found:
		return SkippedDeleted
	case unsubscribed:
		return SkippedUnsubscribed
	case bouncing:
		return SkippedBouncing
	case !member:
		return SkippedLeft
	}
	return ""
}

// clientState reads a client's state by its primary key: a statement
// prepared once, on the pool of readers, so that the workers neither parse
// SQL nor wait for the writer.
const clientState = `SELECT unsubscribed, bouncing, ` + inWelcomeList + ` FROM clients c WHERE id = ?`

// inWelcomeList is the SQL condition that a client c is in the list of
// a welcome (the parameter, twice); true when it is the empty string.
const inWelcomeList = `(? = '' OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.lists) THEN c.lists ELSE '[]' END) l WHERE l.value = ?))`

// clientSkip reads the client's state now and tells skipFor's answer;
// list is the list of the job's welcome, "" for other runs.
func (p *pass) clientSkip(client, list string) (string, error) {
	db, ok := p.app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return "", errors.New("checking the client needs the app's database, not a transaction")
	}
	stmt, err := prepared(p.app, db, clientState)
	if err != nil {
		return "", err
	}
	var unsubscribed, bouncing, member bool
	err = stmt.QueryRow(list, list, client).Scan(&unsubscribed, &bouncing, &member)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("reading the client's state: %w", err)
	}
	return skipFor(err == nil, unsubscribed, bouncing, member), nil
}
