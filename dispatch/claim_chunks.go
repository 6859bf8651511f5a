package dispatch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A run's deliveries are written after the run is created (claim.go), a
// chunk at a time while the run sends: each chunk reads the next
// Options.ClaimChunk clients of the owner in id order (after runs.claimed_to)
// and writes one delivery per recipient among them, in a transaction of its
// own that also moves the cursor and the run's total. No transaction holds
// SQLite's write lock for long whatever the audience (one claim of
// 1,000,000 recipients in one transaction held it 14–16 s), and the first
// message leaves as soon as the first chunk is in: the run's producer
// (run.go) reads what is written, in client order, and waits for the next
// chunk when it has caught up.
//
// Exactly once: a chunk commits whole or not at all, and each chunk starts
// after the last client the run has a delivery for (or the cursor, past
// clients that were not recipients), so a process that dies anywhere leaves
// a run the next pass goes on claiming where it stopped; the unique (run,
// client) index refuses a second delivery for a client, and the cursor's
// compare-and-set a chunk written meanwhile by anyone else. One pass at a
// time holds the data dir (lock.go), and it has one sender, so one claimer,
// per run. Until the last chunk is in, runs.claiming is true and the run
// can be neither done nor shown so.

// claimFault, when tests set it, is called inside each chunk's transaction
// before it commits (committed false) and after it committed (true), k
// counting the chunks this claimer wrote from 1: an error it returns ends
// the claim there, as a crash would.
var claimFault func(k int, committed bool) error

// errClaimCut means the run stopped sending before its claim was over; the
// claim goes on when it sends again.
var errClaimCut = errors.New("the claim was cut short")

// claimer writes one claiming run's deliveries.
type claimer struct {
	app     core.App
	log     *slog.Logger
	run     *core.Record // its id and schedule, run_at, owner: never saved from here
	mailing *core.Record
	domain  string // of the Message-IDs: the sender's template's
	size    int
	rt      *recipientTime // places each delivery at its own moment; nil: all go now

	// deliveries written failed (their clients bouncing), which count
	// among the run's failed
	skipped atomic.Int64

	wrote chan struct{} // a chunk was written
	done  chan struct{} // closed once the claimer stopped
	err   error         // why it stopped before the end; read after done
}

func newClaimer(s *runSender) *claimer {
	return &claimer{
		app: s.p.app, log: s.p.log, run: s.run, mailing: s.mailing, domain: s.tmpl.domain, size: s.p.opts.ClaimChunk, rt: s.rt,
		wrote: make(chan struct{}, 1), done: make(chan struct{}),
	}
}

// over tells whether the claimer has stopped (then err says how).
func (c *claimer) over() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// fill writes the chunks one after another until the last, or until ctx
// ends (the run stops sending) or a chunk fails.
func (c *claimer) fill(ctx context.Context) {
	defer close(c.done)
	started := time.Now()
	for k := 1; ; k++ {
		if ctx.Err() != nil {
			c.err = errClaimCut
			return
		}
		more, total, err := c.chunk(k)
		if err == nil && claimFault != nil {
			err = claimFault(k, true)
		}
		if err != nil {
			c.err = fmt.Errorf("writing the deliveries of run %s: %w", c.run.Id, err)
			return
		}
		select {
		case c.wrote <- struct{}{}:
		default:
		}
		if !more {
			c.log.Info("Run's recipients written", slog.String("run", c.run.Id), slog.Int("recipients", total),
				slog.Int("chunks", k), slog.Duration("took", time.Since(started)))
			return
		}
	}
}

// chunk writes the deliveries of the next c.size clients in one
// transaction; more is false once the claim is over, total is the run's
// deliveries so far.
func (c *claimer) chunk(k int) (more bool, total int, err error) {
	var committed int // skipped in this chunk
	err = c.app.RunInTransaction(func(tx core.App) error {
		params := dbx.Params{"run": c.run.Id, "now": dbTime(time.Now())}
		// a write first: the transaction takes the write lock now, and never
		// has to turn a read into a write after another connection wrote
		// (SQLite refuses that at once, whatever the busy timeout)
		if _, err := tx.DB().NewQuery(`UPDATE runs SET updated = {:now} WHERE id = {:run} AND claiming = TRUE`).Bind(params).Execute(); err != nil {
			return err
		}
		var cursor struct {
			Claiming  bool   `db:"claiming"`
			ClaimedTo string `db:"claimed_to"`
			Total     int    `db:"total"`
		}
		err := tx.DB().NewQuery(`SELECT claiming, claimed_to, total FROM runs WHERE id = {:run}`).Bind(params).One(&cursor)
		if err != nil {
			return err
		}
		if !cursor.Claiming {
			total = cursor.Total
			return nil
		}
		// where the claim stands: after the last client written (its
		// delivery's id counts the deliveries before it), or after the
		// cursor when the clients read since were no recipients
		var last struct {
			ID     string `db:"id"`
			Client string `db:"client"`
		}
		err = tx.DB().NewQuery(`SELECT id, client FROM deliveries WHERE run = {:run} ORDER BY client DESC LIMIT 1`).Bind(params).One(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		written, err := deliveryNumber(last.ID)
		if err != nil {
			return err
		}
		after := max(cursor.ClaimedTo, last.Client)

		// the chunk: the owner's next c.size clients after the cursor (its
		// last one upTo; "" when fewer are left: the rest)
		var upTo []string
		err = tx.DB().NewQuery(`SELECT id FROM clients WHERE owner = {:owner} AND id > {:after} ORDER BY id LIMIT 1 OFFSET {:skip}`).
			Bind(dbx.Params{"owner": c.run.GetString("owner"), "after": after, "skip": c.size - 1}).Column(&upTo)
		if err != nil {
			return err
		}
		more = len(upTo) > 0
		n, skipped, err := c.write(tx, after, upTo, written)
		if err != nil {
			return err
		}
		total = written + n
		to := after
		if more {
			to = upTo[0]
		}
		res, err := tx.DB().NewQuery(`
			UPDATE runs SET claiming = {:more}, claimed_to = {:to}, total = {:total}, updated = {:now}
			WHERE id = {:run} AND claiming = TRUE AND claimed_to = {:seen}`).
			Bind(dbx.Params{"run": c.run.Id, "more": more, "to": to, "total": total, "now": dbTime(time.Now()), "seen": cursor.ClaimedTo}).Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errors.New("the run's claim moved meanwhile")
		}
		if claimFault != nil {
			if err := claimFault(k, false); err != nil {
				return err
			}
		}
		committed = skipped
		return nil
	})
	if err == nil {
		c.skipped.Add(int64(committed))
	}
	return more, total, err
}

// write writes one pending delivery per recipient among the clients after
// after, up to upTo[0] when given, selected and written by SQLite alone; a
// client marked bouncing gets one failed at once, unsent, saying why
// (SkippedBouncing); a run sent at each recipient's own time has each
// delivery placed at its moment (recipient_time.go). The ids are the run's prefix and a counter in client
// order going on from written, so that every index of deliveries grows at
// its end (random ids made the 100,000-row insert twice as slow), and each
// delivery's Message-ID is known from the start (see template.messageID).
// A mailing sent once per client records its recipients as reached. It
// returns how many it wrote, and how many of them failed (skipped).
func (c *claimer) write(tx core.App, after string, upTo []string, written int) (n, skipped int, err error) {
	where, params := recipients(c.mailing)
	where += ` AND c.id > {:after}`
	params["after"] = after
	if len(upTo) > 0 {
		where += ` AND c.id <= {:upTo}`
		params["upTo"] = upTo[0]
	}
	run := c.run
	params["mailing"], params["run"], params["schedule"] = c.mailing.Id, run.Id, run.GetString("schedule")
	params["runAt"], params["now"] = run.GetDateTime("run_at").String(), dbTime(time.Now())
	params["prefix"], params["domain"], params["written"] = run.Id[:8], c.domain, written
	params["bounced"] = SkippedBouncing
	res, err := tx.DB().NewQuery(`
		INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, message_id, sent_at, created, updated)
		SELECT d.id, d.owner, {:mailing}, {:run}, {:schedule}, d.client, d.email, {:runAt},
		       CASE WHEN d.bouncing THEN '` + deliveryFailed + `' ELSE '` + deliveryPending + `' END, 0, CASE WHEN d.bouncing THEN {:bounced} ELSE '' END,
		       '<' || d.id || '@' || {:domain} || '>', '', {:now}, {:now}
		FROM (SELECT {:prefix} || printf('%07x', {:written} + row_number() OVER (ORDER BY c.id)) AS id, c.owner, c.id AS client, c.email, c.bouncing
		      FROM clients c ` + where + `) d`).Bind(params).Execute()
	if err != nil {
		return 0, 0, err
	}
	rows, err := res.RowsAffected()
	if err != nil || rows == 0 {
		return 0, 0, err
	}
	if c.rt != nil {
		if err := c.rt.place(tx, run.Id, after, upTo); err != nil {
			return 0, 0, err
		}
	}
	chunk := dbx.Params{"mailing": c.mailing.Id, "run": run.Id, "after": after}
	err = tx.DB().NewQuery(`SELECT COUNT(*) FROM deliveries WHERE run = {:run} AND client > {:after} AND status = '` + deliveryFailed + `'`).
		Bind(chunk).Row(&skipped)
	if err != nil || !c.mailing.GetBool("once_per_client") {
		return int(rows), skipped, err
	}
	// a client skipped as bouncing has not had it
	_, err = tx.DB().NewQuery(`
		INSERT OR IGNORE INTO _postrider_reached (mailing, client)
		SELECT {:mailing}, client FROM deliveries
		WHERE run = {:run} AND client > {:after} AND status = '` + deliveryPending + `'`).
		Bind(chunk).Execute()
	return int(rows), skipped, err
}

// deliveryNumber reads the counter of a delivery's id (its prefix is the
// run's): how many deliveries of its run were written up to it; 0 for "".
func deliveryNumber(id string) (int, error) {
	if id == "" {
		return 0, nil
	}
	if len(id) != 15 {
		return 0, fmt.Errorf("delivery id %q was not written by a claim", id)
	}
	n, err := strconv.ParseInt(id[8:], 16, 64)
	return int(n), err
}

// loadClaim sets a run record's claim columns (claiming, claimed_to, total)
// to what the database holds: the claimer moves them while the record is
// held elsewhere, and a save of a stale record must not move them back.
func loadClaim(tx core.App, run *core.Record) error {
	var row struct {
		Claiming  bool   `db:"claiming"`
		ClaimedTo string `db:"claimed_to"`
		Total     int    `db:"total"`
	}
	err := tx.DB().NewQuery(`SELECT claiming, claimed_to, total FROM runs WHERE id = {:run}`).Bind(dbx.Params{"run": run.Id}).One(&row)
	if err != nil {
		return err
	}
	run.Set("claiming", row.Claiming)
	run.Set("claimed_to", row.ClaimedTo)
	run.Set("total", row.Total)
	return nil
}
