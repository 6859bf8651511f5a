// Package dispatch sends the mailings that are due: one pass finds the
// windows whose occurrence has come, turns each into a run with one pending
// delivery per recipient (written a chunk at a time while it sends), then sends the pending
// deliveries over a pool of SMTP connections, recording every outcome
// before the connection carries the next message.
//
// Run is the one entry point, used by the cron job inside `serve` and by
// `postrider dispatch`.
package dispatch

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
	"postrider/internal/smtpclient"
	"postrider/mailout"
)

// Values of the status fields, by their names in this package (their one
// home is internal/lifecycle, which the pages and the stats read too).
const (
	statusCreated   = lifecycle.MailingCreated
	statusRunning   = lifecycle.MailingRunning
	statusCompleted = lifecycle.MailingCompleted

	runSending = lifecycle.RunSending
	runDone    = lifecycle.RunDone
	runPaused  = lifecycle.RunPaused
	runWaiting = lifecycle.RunWaiting

	runCancelled = lifecycle.RunCancelled

	deliveryPending = lifecycle.DeliveryPending
	deliverySent    = lifecycle.DeliverySent
	deliveryFailed  = lifecycle.DeliveryFailed
)

// Options tune a pass; zero values take the defaults.
type Options struct {
	Workers     int             // connections used at once (config: POSTRIDER_DISPATCH_WORKERS)
	Rate        float64         // messages per second over all connections, 0 = no limit
	DryRun      bool            // only say what is due
	Timeout     time.Duration   // of each SMTP command's reply; default 30 s
	DataTimeout time.Duration   // of the reply to a message's final dot; default 10 min (config: POSTRIDER_SMTP_DATA_TIMEOUT)
	RetryDelays []time.Duration // back-off after each try of a temporary failure, the last repeating (config: POSTRIDER_RETRY_DELAYS)
	RetryFor    time.Duration   // how long after its run began a delivery is tried at all; default 5 days (config: POSTRIDER_RETRY_FOR)
	MaxCuts     int             // tries cut after the whole message went out before the delivery fails; default 10
	ClaimChunk  int             // clients a claim reads in one transaction (config: POSTRIDER_CLAIM_CHUNK; claim_chunks.go)
	SMTPTLS     string          // "none", "starttls" or "tls" (config: POSTRIDER_SMTP_TLS); "" follows the settings
	RootCAs     *x509.CertPool  // the roots a server's certificate must chain to (config: POSTRIDER_SMTP_CA); nil = the system's
	DKIM        *mailout.DKIM   // signs every message (config: POSTRIDER_DKIM_*); nil = the dashboard's dkim row, if any
	// BounceDomain is the domain of the VERP envelope senders (config:
	// POSTRIDER_BOUNCE_DOMAIN); empty: the app URL's host (verp.go)
	BounceDomain string
	// Health: the limits of a sender's health, checked as each run's
	// sending in a pass ends (config: POSTRIDER_MAX_*_RATE); zero: none
	Health config.Health
	// Wake tells a pass that a window may have fallen due (serve's timer,
	// bind.go): a pass claims such windows while it sends, at once on Wake,
	// and every second anyway
	Wake <-chan struct{}
	Now  func() time.Time
}

// OptionsFrom takes the options the configuration sets.
func OptionsFrom(cfg config.Config) Options {
	return Options{
		Workers: cfg.DispatchWorkers, Rate: cfg.DispatchRate, SMTPTLS: cfg.SMTPTLS, DataTimeout: cfg.SMTPDataTimeout,
		DKIM: cfg.DKIM, RootCAs: cfg.SMTPRootCAs, RetryDelays: cfg.RetryDelays, RetryFor: cfg.RetryFor,
		BounceDomain: cfg.BounceDomain, Health: cfg.Health, ClaimChunk: cfg.ClaimChunk,
	}.withDefaults()
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = config.DefaultDispatchWorkers
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.DataTimeout <= 0 {
		o.DataTimeout = config.DefaultSMTPDataTimeout
	}
	if len(o.RetryDelays) == 0 {
		o.RetryDelays = config.DefaultRetryDelays
	}
	if o.RetryFor <= 0 {
		o.RetryFor = config.DefaultRetryFor
	}
	if o.ClaimChunk <= 0 {
		o.ClaimChunk = config.DefaultClaimChunk
	}
	if o.MaxCuts <= 0 {
		o.MaxCuts = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Summary is what one pass did.
type Summary struct {
	Runs    int // runs claimed by this pass
	Sent    int // messages accepted
	Failed  int // messages refused for good
	Pending int // messages left for a later pass in unfinished runs (after temporary failures, a stop, an unreachable server)
	Skipped int // occurrences not sent: their window ended first
	Busy    bool
	Due     []Due // with DryRun: what a pass would send
}

// Due is one occurrence a pass would send.
type Due struct {
	Mailing    string
	Subject    string
	RunAt      time.Time
	Recipients int
}

func (s Summary) String() string {
	if s.Busy {
		return "another dispatch pass is running on this data dir; nothing done"
	}
	return fmt.Sprintf("runs %d, sent %d, failed %d, pending %d, skipped %d", s.Runs, s.Sent, s.Failed, s.Pending, s.Skipped)
}

// pass is one dispatch pass.
type pass struct {
	app       core.App
	opts      Options
	log       *slog.Logger
	transport transport
	limiter   *limiter
	pool      *pool // the runs being sent, served in turn (pool.go)
	summary   Summary
	touched   map[string]bool // mailings whose status may have to move
	saves     atomic.Uint64   // mailings and users saved in this process while it sends (stop.go)
	quotas    quotas          // the owners' days, for their daily limits (quota.go)

	mu      sync.Mutex
	sending map[string]bool      // runs being sent by this pass now
	began   map[string]time.Time // when this pass last started each run it sent
}

// Run does one pass. It returns an error when it cannot work (the mail
// server is unreachable, the database fails); what it could not send stays
// pending for the next pass.
func Run(ctx context.Context, app core.App, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	p := &pass{
		app: app, opts: opts, log: app.Logger().With(slog.String("component", "dispatch")),
		limiter: newLimiter(opts.Rate), touched: map[string]bool{}, sending: map[string]bool{}, began: map[string]time.Time{},
	}

	unlock, err := lockDataDir(app.DataDir())
	if errors.Is(err, errBusy) {
		p.log.Info("Dispatch pass skipped: another one is running")
		return Summary{Busy: true}, nil
	}
	if err != nil {
		return Summary{}, err
	}
	defer unlock()

	now := opts.Now().UTC()
	if opts.DryRun {
		return p.dryRun(now)
	}
	// a database put back from a copy holds what may have gone out (restored.go)
	if err := p.checkRestored(now); err != nil {
		return p.summary, err
	}
	p.transport = transportFor(app, opts, p.log)
	if t, ok := p.transport.(*relaysTransport); ok { // relays.go: enough workers to fill every relay
		p.opts.Workers, p.limiter = t.connections(), newLimiter(t.passRate())
	}

	if err := p.syncRuns(); err != nil {
		return p.summary, err
	}
	if err := p.resumeWaiting(now); err != nil {
		return p.summary, err
	}
	if _, err := p.claimDue(now); err != nil {
		return p.summary, err
	}

	runs, err := p.retriesDue(now)
	if err != nil {
		return p.summary, err
	}
	if len(runs) > 0 {
		// nothing goes to the mail server before the database has shown,
		// in this pass, that it can record what happens
		if err := probeWrite(app); err != nil {
			err = fmt.Errorf("the database cannot be written, so nothing was sent (the messages stay pending): %w", err)
			p.log.Error("Dispatch pass stopped before sending", slog.String("error", err.Error()))
			return p.finish(err)
		}
		// a copy of the database made from now on is older than the data dir (generation.go)
		stopMarking, err := p.markSending()
		if err != nil {
			return p.finish(err)
		}
		defer stopMarking()
		// after the probe: a disk too full for it sends nothing (checkpoint.go)
		defer p.checkpointAside()()
		if err := p.clearUnreachable(runs); err != nil {
			return p.finish(err)
		}
		if err := p.send(ctx, runs); err != nil {
			var unreachable *unreachableError
			var unrecorded *recordError
			switch {
			case errors.As(err, &unreachable):
				p.log.Error("Dispatch pass stopped: the mail server cannot be reached; the messages stay pending",
					slog.String("transport", p.transport.String()), slog.String("error", unreachable.err.Error()))
				p.noteUnreachable(unreachable.err)
			case errors.As(err, &unrecorded):
				p.log.Error("Dispatch pass stopped: outcomes cannot be recorded in the database; the messages not recorded stay pending",
					slog.String("error", unrecorded.err.Error()))
			}
			return p.finish(err)
		}
	}
	return p.finish(p.updateStatuses(opts.Now().UTC()))
}

// claimDue turns the windows due at now into runs (claim.go) and returns
// the runs it made.
func (p *pass) claimDue(now time.Time) ([]*core.Record, error) {
	due, err := findDue(p.app, now)
	if err != nil {
		return nil, err
	}
	var runs []*core.Record
	for _, d := range due {
		p.touched[d.Mailing] = true
		if d.Period == schedule.PeriodOnJoin {
			if err := openWelcome(p.app, d, now, p.log); err != nil && !errors.Is(err, errAlreadyClaimed) {
				return runs, fmt.Errorf("opening the welcome window of mailing %s: %w", d.Mailing, err)
			}
			continue
		}
		run, err := claim(p.app, d, now, p.log)
		switch {
		case errors.Is(err, errAlreadyClaimed):
			continue
		case err != nil:
			return runs, fmt.Errorf("claiming the run of mailing %s: %w", d.Mailing, err)
		case run == nil:
			p.summary.Skipped++
		default:
			p.summary.Runs++
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// finish counts what is left pending for a later pass, for the summary.
func (p *pass) finish(err error) (Summary, error) {
	var pending int
	qErr := p.app.DB().NewQuery(pendingLeft).Row(&pending)
	p.summary.Pending = pending
	return p.summary, errors.Join(err, qErr)
}

// pendingLeft counts the deliveries pending in the runs not over: the
// runs first (CROSS JOIN keeps SQLite to that order), then each one's in
// idx_deliveries_pending; the other way round it read every delivery.
const pendingLeft = `
	SELECT COUNT(*) FROM runs r CROSS JOIN deliveries d ON d.run = r.id
	WHERE NOT ` + lifecycle.RunOver + ` AND d.status = '` + deliveryPending + `'`

// transportFor picks the SMTP relays when any is configured (relays.go),
// else the outbox.
func transportFor(app core.App, opts Options, log *slog.Logger) transport {
	relays := relaysFor(app, opts, log)
	if len(relays) == 0 {
		return outboxTransport{dir: mailout.OutboxDir(app.DataDir())}
	}
	return newRelaysTransport(relays, relayHealthOf(app), log)
}

// smtpConfig reads the SMTP server from the settings (which the POSTRIDER_SMTP_*
// variables override); false when none is configured. Unless
// POSTRIDER_SMTP_TLS says otherwise, the dashboard's TLS switch off means
// STARTTLS whenever the server offers it, as in PocketBase's own mailer.
func smtpConfig(app core.App, opts Options) (smtpclient.Config, bool) {
	settings := app.Settings()
	s := settings.SMTP
	if !s.Enabled || s.Host == "" {
		return smtpclient.Config{}, false
	}
	mode := opts.SMTPTLS
	if s.TLS {
		mode = "tls"
	} else if mode == "tls" || mode == "" {
		mode = "auto"
	}
	return smtpclient.Config{
		Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password,
		TLS: mode, LocalName: localName(settings), Timeout: opts.Timeout, DataTimeout: opts.DataTimeout,
		RootCAs: opts.RootCAs,
	}, true
}

// localName is the name the SMTP client gives in EHLO: the dashboard's SMTP
// local name (which POSTRIDER_HELO overrides), else the EHLO name of the
// app URL.
func localName(s *core.Settings) string {
	if s.SMTP.LocalName != "" {
		return s.SMTP.LocalName
	}
	return smtpclient.HeloName(s.Meta.AppURL)
}

// syncRuns parks the sending runs of mailings that may not send now
// (stopped, or their owner blocked) and resumes the parked runs of those
// that may again; a run its owner paused waits for their resume.
func (p *pass) syncRuns() error {
	runs, err := p.app.FindRecordsByFilter("runs", "status = '"+runSending+"' || (status = '"+runPaused+"' && paused_by_owner = false)", "", 0, 0)
	if err != nil {
		return err
	}
	for _, run := range runs {
		stop, why := p.mustStop(run.Id)
		switch {
		case stop && run.GetString("status") == runSending:
			pending, _, err := pendingOf(p.app, run.Id)
			if err != nil {
				return err
			}
			run.Set("status", runPaused)
			run.Set("note", fmt.Sprintf("%s: %d messages wait until it can send again.", why, pending))
		case !stop && run.GetString("status") == runPaused:
			run.Set("status", runSending)
			run.Set("note", "")
		default:
			continue
		}
		if err := p.app.Save(run); err != nil {
			return err
		}
	}
	return nil
}

// mustStop tells whether a run may not send now (lifecycle.RunMaySend:
// its mailing's rule that claims its windows too, but a retry run of a
// completed mailing sends), and why.
func (p *pass) mustStop(runID string) (bool, string) {
	var row struct {
		MaySend  bool   `db:"may_send"`
		Stopped  bool   `db:"stopped"`
		Blocked  bool   `db:"blocked"`
		Approval string `db:"approval"`
	}
	err := p.app.DB().NewQuery(`SELECT ` + lifecycle.RunMaySend + ` AS may_send, m.stopped, u.blocked, m.approval
		FROM runs r JOIN mailings m ON m.id = r.mailing JOIN users u ON u.id = m.owner WHERE r.id = {:id}`).
		Bind(dbx.Params{"id": runID}).One(&row)
	switch {
	case err != nil:
		return true, "The mailing is gone"
	case row.MaySend:
		return false, ""
	case row.Blocked:
		return true, "The owner is blocked"
	case row.Stopped:
		return true, "The mailing is stopped"
	case row.Approval == lifecycle.ApprovalPending:
		return true, "The mailing waits for a moderator's approval"
	case row.Approval == lifecycle.ApprovalRejected:
		return true, "A moderator rejected the mailing"
	}
	return true, "The mailing is completed"
}

// updateStatuses completes every mailing whose windows have all ended and
// whose runs are all done: those this pass touched (a window closed, a run
// finished) and every running one whose last window ended since, whether
// or not this pass sent anything for it. Created becomes running when a
// mailing's first run is claimed.
func (p *pass) updateStatuses(now time.Time) error {
	touched := make([]string, 0, len(p.touched))
	for id := range p.touched {
		touched = append(touched, id)
	}
	var ended []string
	err := p.app.DB().NewQuery(`
		SELECT m.id FROM mailings m
		WHERE (m.status = '` + statusRunning + `' OR m.id IN (SELECT value FROM json_each({:touched})))
		  AND m.status != '` + statusCompleted + `'
		  AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.mailing = m.id AND (s.ends_at > {:now} OR s.next_run_at != ''))
		  AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.mailing = m.id AND NOT ` + lifecycle.RunOver + `)`).
		Bind(dbx.Params{"now": dbTime(now), "touched": jsonIDs(touched)}).Column(&ended)
	if err != nil {
		return err
	}
	for _, id := range ended {
		m, err := p.app.FindRecordById("mailings", id)
		if err != nil {
			continue // deleted meanwhile
		}
		m.Set("status", statusCompleted)
		if err := p.app.Save(m); err != nil {
			return err
		}
		p.log.Info("Mailing completed", slog.String("mailing", m.Id))
	}
	return nil
}

// dryRun lists what a pass would send now, without claiming anything.
func (p *pass) dryRun(now time.Time) (Summary, error) {
	due, err := findDue(p.app, now)
	if err != nil {
		return Summary{}, err
	}
	for _, d := range due {
		if d.Period == schedule.PeriodOnJoin {
			continue // it sends to joiners, not now
		}
		runAt, _, inWindow := d.occurrence(now)
		if !inWindow {
			p.summary.Skipped++
			continue
		}
		n, err := countRecipients(p.app, d.Mailing)
		if err != nil {
			return p.summary, err
		}
		p.summary.Due = append(p.summary.Due, Due{Mailing: d.Mailing, Subject: d.Subject, RunAt: runAt, Recipients: n})
	}
	return p.summary, nil
}

// limiter spaces messages to at most rate a second over all workers.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return &limiter{}
	}
	return &limiter{interval: time.Duration(float64(time.Second) / rate)}
}

func (l *limiter) wait(ctx context.Context) error {
	if l.interval == 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(l.interval)
	l.mu.Unlock()
	select {
	case <-time.After(time.Until(at)):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dbTime formats t as PocketBase stores dates; the zero time is "".
func dbTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	dt, _ := types.ParseDateTime(t.UTC())
	return dt.String()
}

func jsonIDs(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}
