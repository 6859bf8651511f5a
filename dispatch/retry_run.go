package dispatch

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/lifecycle"
)

// A finished run is sent again, once, to its failed deliveries that may
// succeed now (DESIGN "A mailing's life"): a new run of kind retry, with
// retry_of naming the run, and one pending delivery per such failure. The
// dispatcher sends it like any other run (its status is sending).
//
// A failure that may pass was tried (attempts > 0: not skipped as
// unsubscribed, bouncing or deleted) and got no refusal for good (a 5xx
// reply, which the response begins with: refused.go), nor a bounce or a
// complaint reported later (deliveries.bounce). It is temporary (4xx
// replies or a lost connection until its time was up) or, where the whole
// message went out and no reply came, unconfirmed: it may have arrived,
// and goes again only when the owner asks. A client unsubscribed or marked
// bouncing since is left out (and the dispatcher's skip guards at send
// time too).
const retryable = `
	FROM deliveries d JOIN clients c ON c.id = d.client
	WHERE d.run = {:run} AND d.status = '` + deliveryFailed + `' AND d.attempts > 0 AND d.bounce = ''
	  AND d.response NOT GLOB '5[0-9][0-9]*'
	  AND c.unsubscribed = FALSE AND c.bouncing = FALSE`

// Why a run cannot be retried.
var (
	ErrRetryNotDone  = errors.New("the run is not finished yet: it can be sent again once it is done")
	ErrRetryMayNot   = errors.New("the mailing cannot send now (stopped, waiting for or refused approval, or its owner blocked)")
	ErrRetryNone     = errors.New("no failed message of this run may succeed now: nothing to send again")
	ErrRetriedBefore = errors.New("this run was sent again already: a run is retried once")
)

// RetryCounts are a finished run's failures that a retry would send again.
type RetryCounts struct {
	Temporary   int `db:"temporary" json:"temporary"`     // refused for now, or a connection lost, until its time was up
	Unconfirmed int `db:"unconfirmed" json:"unconfirmed"` // the whole message went out and no reply came: may have arrived
}

// CountRetryable counts what a retry of the run would send again.
func CountRetryable(app core.App, runID string) (RetryCounts, error) {
	var c RetryCounts
	err := app.DB().NewQuery(`
		SELECT COALESCE(SUM(d.unconfirmed = FALSE), 0) AS temporary, COALESCE(SUM(d.unconfirmed = TRUE), 0) AS unconfirmed` + retryable).
		Bind(dbx.Params{"run": runID}).One(&c)
	return c, err
}

// Retry creates, in one transaction, the retry run of a finished run: its
// temporary failures, and its unconfirmed ones too with unconfirmed. It
// returns one of the ErrRetry errors when the run may not be retried; the
// unique index on runs.retry_of decides between two requests at once.
func Retry(app core.App, runID string, unconfirmed bool, now time.Time) (*core.Record, error) {
	now = now.UTC()
	var retry *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		run, err := tx.FindRecordById("runs", runID)
		if err != nil {
			return err
		}
		if run.GetString("status") != runDone {
			return ErrRetryNotDone
		}
		var may bool
		err = tx.DB().NewQuery(`SELECT ` + lifecycle.MayRetry + ` FROM mailings m JOIN users u ON u.id = m.owner WHERE m.id = {:id}`).
			Bind(dbx.Params{"id": run.GetString("mailing")}).Row(&may)
		if err != nil {
			return err
		}
		if !may {
			return ErrRetryMayNot
		}
		mailing, err := tx.FindRecordById("mailings", run.GetString("mailing"))
		if err != nil {
			return err
		}
		runs, err := tx.FindCachedCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		retry = core.NewRecord(runs)
		retry.Load(map[string]any{
			"owner": run.GetString("owner"), "mailing": mailing.Id, "schedule": run.GetString("schedule"),
			"run_at": dbTime(now), "status": runSending, "started_at": dbTime(now),
			"kind": lifecycle.RunRetry, "retry_of": run.Id,
		})
		if err := tx.Save(retry); err != nil {
			if retriedBefore(err) {
				return ErrRetriedBefore
			}
			return fmt.Errorf("creating the retry run: %w", err)
		}
		total, err := writeRetries(tx, mailing, run, retry, unconfirmed, now)
		if err != nil {
			return err
		}
		if total == 0 {
			return ErrRetryNone
		}
		retry.Set("total", total)
		return tx.Save(retry)
	})
	if err != nil {
		return nil, err
	}
	return retry, nil
}

// retriedBefore tells whether saving a retry run failed on the unique
// index of runs.retry_of.
func retriedBefore(err error) bool {
	var v validation.Errors
	if errors.As(err, &v) {
		_, ok := v["retry_of"]
		return ok
	}
	return false
}

// writeRetries writes the retry run's pending deliveries, one per failure
// of run that may pass, to the client's address now; ids and Message-IDs
// are made as the claim makes them (claim.go writeDeliveries).
func writeRetries(tx core.App, mailing, run, retry *core.Record, unconfirmed bool, now time.Time) (int, error) {
	from, err := addressesOf(tx, mailing)
	if err != nil {
		return 0, err
	}
	res, err := tx.DB().NewQuery(`
		INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, message_id, sent_at, created, updated)
		SELECT r.id, r.owner, {:mailing}, {:retry}, {:schedule}, r.client, r.email, {:runAt}, '` + deliveryPending + `', 0, '',
		       '<' || r.id || '@' || {:domain} || '>', '', {:now}, {:now}
		FROM (SELECT {:prefix} || printf('%07x', row_number() OVER (ORDER BY d.client)) AS id, c.owner, c.id AS client, c.email` +
		retryable + ` AND (d.unconfirmed = FALSE OR {:unconfirmed})) r`).
		Bind(dbx.Params{
			"run": run.Id, "retry": retry.Id, "mailing": mailing.Id, "schedule": retry.GetString("schedule"),
			"runAt": retry.GetDateTime("run_at").String(), "now": dbTime(now), "unconfirmed": unconfirmed,
			"prefix": retry.Id[:8], "domain": domainOf(from.from.Address),
		}).Execute()
	if err != nil {
		return 0, fmt.Errorf("writing the retry's deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
