package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/health"
	"postrider/mailout"
)

// runSender is one run in a pass: its message, its queue of jobs, and what
// the pass recorded of it. The recorder alone moves its counters.
type runSender struct {
	p          *pass
	run        *core.Record
	mailing    *core.Record
	tmpl       *template
	signers    signers // DKIM: the sender's domain, the service's (dkim.go)
	queue      *queue
	ctx        context.Context // ends when the run must stop sending (paused, stopped) or the pass does
	cancel     context.CancelCauseFunc
	since      string        // outcomes of this pass are updated since
	produced   chan struct{} // closed when the producer is done
	produceErr error
	claim      *claimer       // writes the deliveries of a run still claiming (claim_chunks.go); nil when all are written
	list       string         // a welcome run's list, which its clients must still be in (skip.go); "" for other runs
	rt         *recipientTime // a run sent at each recipient's own time (recipient_time.go); nil for others

	left     bool // out of the pool (the pool's lock)
	ended    bool // settled (the recorder, then the pass's end)
	err      error
	lastSave time.Time
	stop     stopCheck // the mailing's stop as last read (stop.go)

	// what this pass recorded
	sent, failed, refused int
	lastFail              string // the last reply of a failure, temporary or not
	lastRefusal           string // the last 5xx refusal
	// the run's counts before this pass, and whether its early check is over
	baseSent, baseFailed, baseRefused int
	checked                           bool

	// the envelope sender's parts (verp.go)
	secret       []byte
	bounceDomain string
}

// Why a run's sending stops before its end: paused when most of its first
// messages are refused, stopped when its mailing is stopped meanwhile
// (and held when its owner pauses or cancels it: held.go).
var (
	errPaused  = errors.New("paused")
	errStopped = errors.New("stopped")
)

// startRun prepares a run's message and starts feeding its pending
// deliveries to its queue; the pool's workers take them from there.
func (p *pass) startRun(ctx context.Context, run *core.Record) (*runSender, error) {
	mailing, err := p.app.FindRecordById("mailings", run.GetString("mailing"))
	if err != nil {
		return nil, err
	}
	p.checkHealth(mailing.GetString("owner")) // a stop here is read before the first message (stop.go)
	settings := p.app.Settings()
	from, err := fromOf(p.app, mailing)
	if err != nil {
		return nil, err
	}
	secret, err := mailout.UnsubscribeSecret(p.app.DataDir())
	if err != nil {
		return nil, err
	}
	tmpl, err := newTemplate(mailingInfo{
		from: from.from, replyTo: from.replyTo, domainKey: from.signer, subject: mailing.GetString("subject"), body: mailing.GetString("body"),
		runID: run.Id, mailingID: mailing.Id, ownerID: mailing.GetString("owner"),
		appURL: settings.Meta.AppURL, secret: secret,
	})
	if err != nil {
		return nil, err
	}
	signer, err := DKIMFor(p.app, p.opts)
	if err != nil {
		return nil, err
	}
	// the Message-ID the claim stored for each delivery, whatever the From
	// has become since (a domain verified after the claim)
	if err := tmpl.useStoredDomain(p.app, run.Id); err != nil {
		return nil, err
	}
	s := &runSender{p: p, run: run, mailing: mailing, tmpl: tmpl, signers: signersOf(from.signer, signer), secret: secret, bounceDomain: p.bounceDomain(),
		checked: run.GetBool("checked"), since: dbTime(time.Now()), produced: make(chan struct{}), lastSave: time.Now()}
	if err := s.countBase(); err != nil {
		return nil, err
	}
	if s.list, err = welcomeListOf(p.app, run); err != nil {
		return nil, err
	}
	if s.rt, err = recipientTimeOf(p.app, run); err != nil {
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	if run.GetBool("claiming") {
		s.claim = newClaimer(s)
		go s.claim.fill(s.ctx)
	}
	jobs := make(chan job, 256)
	s.queue = &queue{fresh: jobs}
	go func() {
		defer close(s.produced)
		defer close(jobs)
		s.produceErr = s.produce(s.ctx, jobs)
	}()
	return s, nil
}

// produce feeds the run's pending deliveries whose time has come (never
// one whose next try is still to come: retry.go) to the workers in client
// order, a page at a time (walking the run's unique (run, client) index),
// and stops early when the mailing is stopped or its owner blocked. While
// the run is claimed it reads the chunks as they come, in the same order,
// and ends only after the last.
func (s *runSender) produce(ctx context.Context, jobs chan<- job) error {
	after := ""
	for {
		if s.stopping() {
			return nil
		}
		// read before the page: a chunk written after it is read next time
		claimed := s.claim == nil || s.claim.over()
		var page []struct {
			RowID       int64  `db:"rowid"`
			ID          string `db:"id"`
			Client      string `db:"client"`
			Email       string `db:"email"`
			Attempts    int    `db:"attempts"`
			Unconfirmed bool   `db:"unconfirmed"`
			Cuts        int    `db:"cuts"`
			Due         string `db:"run_at"`
			Name        string `db:"name"`
			Comment     string `db:"comment"`
			Found       bool   `db:"found"`
			Unsub       bool   `db:"unsubscribed"`
			Bouncing    bool   `db:"bouncing"`
			Member      bool   `db:"member"`
		}
		// through the write connection: one page cache for the whole pass
		// instead of one per pooled reader, and no stale pages to drop; the
		// client's name and comment fill the placeholders, and its state
		// tells whether it still takes the message (skip.go)
		err := s.p.app.NonconcurrentDB().NewQuery(`
			SELECT d.rowid, d.id, d.client, d.email, d.attempts, d.unconfirmed, d.cuts, d.run_at,
			       COALESCE(c.name, '') AS name, COALESCE(c.comment, '') AS comment,
			       c.id IS NOT NULL AS found, COALESCE(c.unsubscribed, FALSE) AS unsubscribed,
			       COALESCE(c.bouncing, FALSE) AS bouncing,
			       ({:list} = '' OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.lists) THEN c.lists ELSE '[]' END) l WHERE l.value = {:list})) AS member
			FROM deliveries d LEFT JOIN clients c ON c.id = d.client
			WHERE d.run = {:run} AND d.client > {:after} AND d.status = '` + deliveryPending + `'
			  AND (d.next_try_at = '' OR d.next_try_at <= {:now})
			ORDER BY d.client LIMIT 1000`).
			Bind(dbx.Params{"run": s.run.Id, "after": after, "now": dbTime(s.p.opts.Now()), "list": s.list}).All(&page)
		if err != nil {
			return err
		}
		if len(page) == 0 && claimed {
			if s.claim != nil {
				return s.claim.err
			}
			return nil
		}
		if len(page) == 0 {
			select {
			case <-s.claim.wrote:
			case <-s.claim.done:
			case <-ctx.Done():
				return nil
			}
			continue
		}
		read := time.Now()
		for _, d := range page {
			var due types.DateTime
			if s.list != "" || s.rt != nil { // only these are due after their run began
				due, _ = types.ParseDateTime(d.Due)
			}
			j := job{id: d.ID, rowid: d.RowID, attempts: d.Attempts, unconfirmed: d.Unconfirmed, cuts: d.Cuts,
				recipient: recipient{client: d.Client, email: d.Email, name: d.Name, comment: d.Comment},
				skip:      skipFor(d.Found, d.Unsub, d.Bouncing, d.Member), read: read, list: s.list, due: due.Time()}
			select {
			case jobs <- j:
				s.p.pool.notify()
			case <-ctx.Done():
				return nil
			}
		}
		after = page[len(page)-1].Client
	}
}

// end settles a run once its sending in this pass is over: in the recorder
// right after its last outcome, or when the pass ends, for the runs it cut
// short. The run is done, paused, parked, or left sending for a later pass
// with its counters saved.
func (s *runSender) end(passCtx context.Context) error {
	s.ended = true
	defer s.p.endSending(s.run.Id) // after its next try is saved
	s.cancel(nil)
	<-s.produced
	if s.claim != nil {
		<-s.claim.done
	}
	s.countBounces(s.since)
	err := s.settle(passCtx)
	s.checkHealth() // once the run's counters are saved
	return err
}

// settle saves the run as its sending in this pass left it.
func (s *runSender) settle(passCtx context.Context) error {
	cause := context.Cause(s.ctx)
	switch {
	case errors.Is(cause, errPaused):
		return s.pause()
	case errors.Is(cause, errWaiting):
		return s.wait()
	case errors.Is(cause, errStopped):
		return s.stopped(strings.TrimPrefix(cause.Error(), errStopped.Error()+": "))
	case errors.Is(cause, errHeld), errors.Is(cause, errCancelled):
		return s.held()
	case passCtx.Err() != nil: // the pass stops; its own error says why
		s.saveCounters()
		return nil
	case s.produceErr != nil:
		s.saveCounters()
		return s.produceErr
	}
	return s.finish()
}

// checkHealth stops the owner's mailings when what this pass sent and
// had refused takes their health past a limit (internal/health).
func (s *runSender) checkHealth() {
	if s.sent+s.refused > 0 {
		s.p.checkHealth(s.mailing.GetString("owner"))
	}
}

// checkHealth stops owner's mailings that may send when their health is
// past a limit: at a run's start too, so that a mailing made after the
// others stopped sends nothing either. A failure is logged; the next
// run's start or end, or the next report, checks again.
func (p *pass) checkHealth(owner string) {
	n, err := health.Stop(p.app, p.opts.Health, owner, p.opts.Now())
	switch {
	case err != nil:
		p.log.Error("Failed to check the sender's health", slog.String("user", owner), slog.String("error", err.Error()))
	case n > 0:
		p.log.Warn("A sender's mailings stopped automatically", slog.String("user", owner), slog.Int("mailings", n))
	}
}

// The run's early check: once pauseAfter of its messages have an outcome
// for good (sent or refused), a run where most were refused by the server
// (5xx) is paused, and its mailing stopped, before it fails for everyone.
// The check covers the run's first checkWithin outcomes over all passes,
// and pauses a run once at most: resuming it means the owner chose to go on.
// Temporary failures never count: they are retried, not judged.
const (
	pauseAfter  = 20
	checkWithin = 100
)

func (s *runSender) check() {
	if s.checked {
		return
	}
	decided := s.baseSent + s.baseFailed + s.sent + s.failed
	refused := s.baseRefused + s.refused
	switch {
	case decided >= pauseAfter && refused*2 > decided:
		s.checked = true
		s.cancel(errPaused)
	case decided >= checkWithin:
		s.checked = true
	}
}

// saveCounters writes the run's sent and failed counts (through the record,
// so that realtime subscribers see them move), keeping a pause or cancel
// its owner saved meanwhile (held.go), which then stops its sending, and
// its claim as the claimer left it: a run still claiming is not done.
func (s *runSender) saveCounters() {
	err := s.p.app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById("runs", s.run.Id)
		if err != nil {
			return err
		}
		if s.adoptOwners(fresh) {
			s.cancel(heldCause(fresh))
		}
		if err := loadClaim(tx, s.run); err != nil {
			return err
		}
		if s.run.GetBool("claiming") && s.run.GetString("status") == runDone {
			s.run.Set("status", runSending)
			s.run.Set("finished_at", "")
		}
		if err := syncWelcome(tx, s.run); err != nil {
			return err
		}
		s.run.Set("sent", s.baseSent+s.sent)
		s.run.Set("failed", s.baseFailed+s.failed+s.claimSkipped())
		s.run.Set("checked", s.checked)
		return tx.Save(s.run)
	})
	if err != nil {
		s.p.log.Error("Failed to save a run's counters", slog.String("run", s.run.Id), slog.String("error", err.Error()))
	}
}

// finish closes the run when nothing is left pending; deliveries left
// pending after temporary failures keep it open, and the earliest of their
// next tries is the run's, for the timer to wake a pass then (wake.go).
func (s *runSender) finish() error {
	pending, next, err := pendingOf(s.p.app, s.run.Id)
	if err != nil {
		return err
	}
	s.run.Set("next_try_at", next)
	if pending == 0 {
		s.run.Set("status", runDone)
		s.run.Set("finished_at", dbTime(time.Now()))
		s.run.Set("note", "")
	} else if s.list != "" {
		s.run.Set("note", fmt.Sprintf("%d welcome messages are still to go, the next %s.", pending, whenSaid(next)))
	} else if s.rt != nil && s.lastFail == "" {
		s.run.Set("note", fmt.Sprintf("%d messages wait for their recipients' own time, the next %s", pending, whenSaid(next)))
	} else {
		s.run.Set("note", fmt.Sprintf("%d messages met a temporary failure and will be tried again %s (last reply: %s)",
			pending, whenSaid(next), clip(withoutAddresses(s.lastFail), 300)))
	}
	s.saveCounters()
	return nil
}

// whenSaid is a stored next try as a note says it: "from 2026-12-05
// 10:04:05 UTC", or "on the next pass" for now.
func whenSaid(stored string) string {
	if len(stored) < len(time.DateTime) {
		return "on the next pass"
	}
	return "from " + stored[:len(time.DateTime)] + " UTC"
}

// pause stops a run most of whose first messages the server refused, and
// stops its mailing so that nothing hammers a server that refuses it until
// the owner resumes it.
func (s *runSender) pause() error {
	decided := s.baseSent + s.baseFailed + s.sent + s.failed
	note := fmt.Sprintf("Paused: the mail server refused %d of the first %d messages for good (the last: %s). "+
		"Resume the mailing to send the rest.", s.baseRefused+s.refused, decided, clip(withoutAddresses(s.lastRefusal), 300))
	s.run.Set("status", runPaused)
	s.run.Set("note", note)
	s.saveCounters()
	s.p.log.Warn("Run paused: the server refuses most messages", slog.String("run", s.run.Id), slog.String("mailing", s.mailing.Id),
		slog.String("last_refusal", s.lastRefusal))
	mailing, err := s.p.app.FindRecordById("mailings", s.mailing.Id)
	if err != nil {
		return err
	}
	mailing.Set("stopped", true)
	return s.p.app.Save(mailing)
}

// stopped parks a run whose mailing was stopped (or whose owner was
// blocked) while it sent; it resumes when the mailing may send again.
func (s *runSender) stopped(why string) error {
	pending, _, err := pendingOf(s.p.app, s.run.Id)
	if err != nil {
		return err
	}
	s.run.Set("status", runPaused)
	s.run.Set("note", fmt.Sprintf("%s: %d messages wait until it can send again.", why, pending))
	s.saveCounters()
	return nil
}

// anAddress is what looks like an email address in a server's reply.
var anAddress = regexp.MustCompile(`<?[^\s<>()\[\]"',;:]+@[^\s<>()\[\]"',;:]+>?`)

// withoutAddresses is a server's reply for a run's note, which moderators
// read and who never see a client: each address in it (the recipient's,
// as in "550 5.1.1 <x@y>: User unknown") is left out. The owner finds the
// addresses in the delivery log.
func withoutAddresses(reply string) string {
	return anAddress.ReplaceAllString(reply, "(an address)")
}

// pendingOf counts a run's pending deliveries and reads the earliest time
// one of them may be tried ("" when one may be tried now).
func pendingOf(app core.App, runID string) (int, string, error) {
	var row struct {
		N    int    `db:"n"`
		Next string `db:"next"`
		Now  bool   `db:"now"`
	}
	err := app.DB().NewQuery(pendingOfRun).Bind(dbx.Params{"run": runID}).One(&row)
	if row.Now {
		row.Next = ""
	}
	return row.N, row.Next, err
}

// pendingOfRun reads a run's pending deliveries in idx_deliveries_pending.
const pendingOfRun = `
	SELECT COUNT(*) AS n, COALESCE(MIN(next_try_at), '') AS next, COALESCE(MAX(next_try_at = ''), FALSE) AS now
	FROM deliveries WHERE run = {:run} AND status = '` + deliveryPending + `'`

// countBase reads how many of the run's deliveries are sent, failed, and
// failed by a 5xx reply (their response starts with its code), so that the
// counters and the early check are right over passes and after a crash.
func (s *runSender) countBase() error {
	return s.p.app.DB().NewQuery(`
		SELECT COALESCE(SUM(status = {:sent}), 0), COALESCE(SUM(status = {:failed}), 0),
		       COALESCE(SUM(status = {:failed} AND response LIKE '5%'), 0)
		FROM deliveries WHERE run = {:run} AND status != {:pending}`).
		Bind(dbx.Params{"run": s.run.Id, "sent": deliverySent, "failed": deliveryFailed, "pending": deliveryPending}).Row(&s.baseSent, &s.baseFailed, &s.baseRefused)
}

// claimSkipped is how many deliveries this pass's claimer wrote failed
// (skipped at the claim: claim_chunks.go); countBase counts those of
// earlier passes.
func (s *runSender) claimSkipped() int {
	if s.claim == nil {
		return 0
	}
	return int(s.claim.skipped.Load())
}

// count adds one recorded outcome to the run's counters.
func (s *runSender) count(o *outcome) {
	switch o.status {
	case deliverySent:
		s.sent++
	case deliveryFailed:
		s.failed++
		if o.skipped {
			break
		}
		s.lastFail = o.reply
		if o.refused {
			s.refused++
			s.lastRefusal = o.reply
		}
	case deliveryPending:
		s.lastFail = o.reply
	}
}
