package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/smtpclient"
)

// A pass hands its messages to one or more SMTP relays: the server of the
// settings (which POSTRIDER_SMTP_* override), with POSTRIDER_DISPATCH_WORKERS
// connections and POSTRIDER_DISPATCH_RATE, and the enabled rows of the
// `relays` collection beside it. Each relay has its own connection limit
// and rate; a session goes to the healthy relay with the most room for its
// weight. A relay that cannot be reached, or that answers 4xx to
// relayRefusals messages in a row while another relay is healthy, is set
// aside for a while (relayPause, doubling up to relayMaxPause) and its
// sessions report broken, so that their workers reopen on another relay.
// What was in flight on a relay that died follows the usual rules (judge in
// send.go): nothing is lost, and a message that went out whole without a
// reply is tried once more at most.

// How a relay is set aside, and when an idle session gives its slot to a
// worker that has none (see pick).
const (
	relayRefusals = 10
	relayPause    = 30 * time.Second
	relayMaxPause = 10 * time.Minute
	relayIdle     = 500 * time.Millisecond
)

// relay is one SMTP relay and its state in this pass.
type relay struct {
	name    string
	cfg     smtpclient.Config
	conns   int // sessions open at once, at most
	weight  int
	rate    float64  // its messages per second, 0 = no limit
	limiter *limiter // spaces them, with several relays (passRate)

	// guarded by relaysTransport.mu
	open     int       // slots taken: sessions open or being opened
	aside    time.Time // set aside until then
	pause    time.Duration
	refusals int   // 4xx replies in a row
	lastErr  error // why it was last set aside
}

// relayHealthKey names, in the app's store, what the app's passes remember
// of the relays set aside: a *sync.Map of relayHealth by relay.key. It
// belongs to the app, as the prepared statements do (prepared.go), so that
// two apps in one process (tests) never share it.
const relayHealthKey = "postrider.dispatch.relayHealth"

// relayHealthOf returns the relays app's passes set aside.
func relayHealthOf(app core.App) *sync.Map {
	return app.Store().GetOrSet(relayHealthKey, func() any { return &sync.Map{} }).(*sync.Map)
}

type relayHealth struct {
	aside time.Time
	pause time.Duration
	err   error
}

// key tells one relay from another across passes: the same name may be
// given to another server.
func (r *relay) key() string {
	return r.name + "|" + net.JoinHostPort(r.cfg.Host, strconv.Itoa(r.cfg.Port))
}

// relaysTransport spreads sessions over the relays.
type relaysTransport struct {
	relays []*relay
	log    *slog.Logger
	health *sync.Map // the app's memory of the relays set aside (relayHealthOf)

	mu       sync.Mutex
	sessions map[*relaySession]struct{} // holding a slot
	changed  chan struct{}              // closed (and replaced) when a slot may have freed
}

// relaysFor reads the relays of a pass: the settings' SMTP server first
// (if on), then the enabled rows of `relays`. None: the outbox.
func relaysFor(app core.App, opts Options, log *slog.Logger) []*relay {
	var relays []*relay
	if cfg, ok := smtpConfig(app, opts); ok {
		relays = append(relays, &relay{
			name: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), cfg: cfg,
			conns: opts.Workers, weight: 1, rate: opts.Rate,
		})
	}
	rows, err := app.FindRecordsByFilter("relays", "enabled = true", "created", 0, 0)
	if err != nil {
		log.Error("The relays cannot be read; only the settings' SMTP server is used", slog.String("error", err.Error()))
		return relays
	}
	for _, row := range rows {
		relays = append(relays, &relay{
			name: row.GetString("name"),
			cfg: smtpclient.Config{
				Host: row.GetString("host"), Port: row.GetInt("port"),
				Username: row.GetString("username"), Password: row.GetString("password"),
				TLS: row.GetString("tls"), LocalName: localName(app.Settings()),
				Timeout: opts.Timeout, DataTimeout: opts.DataTimeout, RootCAs: opts.RootCAs,
			},
			conns: max(1, row.GetInt("connections")), weight: max(1, row.GetInt("weight")),
			rate: row.GetFloat("rate"),
		})
	}
	return relays
}

func newRelaysTransport(relays []*relay, health *sync.Map, log *slog.Logger) *relaysTransport {
	now := time.Now()
	remembered := 0
	for _, r := range relays {
		r.pause = relayPause
		if len(relays) > 1 {
			r.limiter = newLimiter(r.rate)
		}
		if h, ok := health.Load(r.key()); ok && now.Before(h.(relayHealth).aside) {
			remembered++
		}
	}
	// a relay set aside by an earlier pass of this app stays aside for
	// the rest of its pause (passes follow each other within seconds under
	// serve), unless that would leave none: then every relay is tried, as
	// with one relay
	for _, r := range relays {
		if h, ok := health.Load(r.key()); ok && remembered < len(relays) {
			r.aside, r.pause, r.lastErr = h.(relayHealth).aside, h.(relayHealth).pause, h.(relayHealth).err
		}
	}
	return &relaysTransport{relays: relays, log: log, health: health, sessions: map[*relaySession]struct{}{}, changed: make(chan struct{})}
}

// passRate is the rate limit of the whole pass (the limiter of work in
// send.go): a lone relay's own, as before there were several; with several,
// none, and each relay's limiter spaces its own messages in begin.
func (t *relaysTransport) passRate() float64 {
	if len(t.relays) != 1 {
		return 0
	}
	return t.relays[0].rate
}

// connections is the number of workers a pass needs to fill every relay:
// the sum of their connection limits.
func (t *relaysTransport) connections() int {
	n := 0
	for _, r := range t.relays {
		n += r.conns
	}
	return n
}

func (t *relaysTransport) String() string {
	if len(t.relays) == 1 {
		return "SMTP server " + t.relays[0].name
	}
	names := make([]string, len(t.relays))
	for i, r := range t.relays {
		names[i] = r.name
		if addr := net.JoinHostPort(r.cfg.Host, strconv.Itoa(r.cfg.Port)); addr != r.name {
			names[i] += " (" + addr + ")"
		}
	}
	return "relays " + strings.Join(names, ", ")
}

func (t *relaysTransport) open(ctx context.Context) (session, error) {
	s := &relaySession{t: t, ctx: ctx}
	if err := s.connect(); err != nil {
		return nil, err
	}
	return s, nil
}

// signal wakes the workers waiting for a slot; t.mu is held.
func (t *relaysTransport) signal() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// healthy tells whether r may take sessions now; t.mu is held.
func (r *relay) healthy(now time.Time) bool { return !now.Before(r.aside) }

// setAside keeps r out of new sessions for its pause, which doubles each
// time until a message goes through; t.mu is held.
func (t *relaysTransport) setAside(r *relay, why error) {
	now := time.Now()
	if !r.healthy(now) {
		return // already aside: its other sessions found out too
	}
	r.aside, r.lastErr, r.refusals = now.Add(r.pause), why, 0
	msg := "Relay set aside; its messages go to the other relays"
	if !t.othersHealthy(r, now) {
		msg = "Relay set aside; no other relay can take its messages, so sending waits for it (they stay pending)"
	}
	t.log.Warn(msg, slog.String("relay", r.name), slog.String("for", r.pause.String()), slog.String("error", why.Error()))
	r.pause = min(2*r.pause, relayMaxPause)
	t.health.Store(r.key(), relayHealth{aside: r.aside, pause: r.pause, err: why})
	t.signal()
}

// othersHealthy tells whether a relay other than r can take sessions; t.mu is held.
func (t *relaysTransport) othersHealthy(r *relay, now time.Time) bool {
	for _, o := range t.relays {
		if o != r && o.healthy(now) {
			return true
		}
	}
	return false
}

// pick chooses where a new session goes: the healthy relay with a free slot
// and the fewest sessions for its weight; else, a session of a healthy
// relay idle for relayIdle, whose slot it takes (a worker that found its
// relay set aside must not wait for ever behind workers that hold slots
// while they have nothing to send). t.mu is held. Neither: wait is how long
// to wait before looking again, and none tells that every relay is aside.
func (t *relaysTransport) pick(now time.Time) (r *relay, victim *relaySession, wait time.Duration, none bool) {
	none = true
	for _, c := range t.relays {
		if !c.healthy(now) {
			continue
		}
		none = false
		if c.open < c.conns && (r == nil || c.open*r.weight < r.open*c.weight) {
			r = c
		}
	}
	if r != nil || none {
		return r, nil, 0, none
	}
	wait = relayIdle
	for s := range t.sessions {
		if s.lost || s.busy || !s.r.healthy(now) {
			continue
		}
		if idle := now.Sub(s.idleSince); idle >= relayIdle {
			return nil, s, 0, false
		} else if relayIdle-idle < wait {
			wait = relayIdle - idle
		}
	}
	for _, c := range t.relays {
		if d := c.aside.Sub(now); d > 0 && d < wait {
			wait = d // it may be tried again then
		}
	}
	return nil, nil, wait, false
}

// relaySession is one session on one relay at a time: it reconnects by
// itself when it lost its slot between two messages.
type relaySession struct {
	t   *relaysTransport
	ctx context.Context

	// guarded by t.mu
	r         *relay
	conn      *smtpclient.Conn
	lost      bool      // holds no slot: closed, or its slot went to another session
	busy      bool      // between begin and end
	idleSince time.Time // since its last message ended
}

// connect takes a slot on a relay and dials it, setting aside the relays
// that cannot be reached; it fails when every relay is aside.
func (s *relaySession) connect() error {
	t := s.t
	for {
		now := time.Now()
		t.mu.Lock()
		r, victim, wait, none := t.pick(now)
		if none {
			err := t.unreachable()
			t.mu.Unlock()
			return err
		}
		if r == nil && victim == nil {
			changed := t.changed
			t.mu.Unlock()
			timer := time.NewTimer(wait)
			select {
			case <-changed:
			case <-timer.C:
			case <-s.ctx.Done():
				timer.Stop()
				return s.ctx.Err()
			}
			timer.Stop()
			continue
		}
		if victim != nil { // its slot is ours now
			r = victim.r
			old := victim.conn
			victim.conn, victim.lost = nil, true
			delete(t.sessions, victim)
			go old.Close()
		} else {
			r.open++
		}
		t.mu.Unlock()

		conn, err := smtpclient.Dial(s.ctx, r.cfg)
		t.mu.Lock()
		if err != nil {
			r.open--
			if s.ctx.Err() == nil {
				t.setAside(r, err)
			}
			t.signal()
			t.mu.Unlock()
			if s.ctx.Err() != nil {
				return s.ctx.Err()
			}
			continue
		}
		s.r, s.conn, s.lost, s.idleSince = r, conn, false, time.Now()
		t.sessions[s] = struct{}{}
		t.mu.Unlock()
		return nil
	}
}

// unreachable is the error of a pass that has no relay left; t.mu is held.
// With one relay it is that relay's own error, as before there were several.
func (t *relaysTransport) unreachable() error {
	if len(t.relays) == 1 {
		return t.relays[0].lastErr
	}
	errs := make([]error, len(t.relays))
	for i, r := range t.relays {
		errs[i] = fmt.Errorf("%s: %w", r.name, r.lastErr)
	}
	return fmt.Errorf("every relay is set aside: %w", errors.Join(errs...))
}

func (s *relaySession) begin(from, to string, data []byte) error {
	t := s.t
	t.mu.Lock()
	s.busy = true
	lost := s.lost
	t.mu.Unlock()
	err := s.start(lost, from, to, data)
	if err != nil { // no end follows: idle from now on
		s.note(err)
		t.mu.Lock()
		s.busy, s.idleSince = false, time.Now()
		t.mu.Unlock()
	}
	return err
}

func (s *relaySession) start(lost bool, from, to string, data []byte) error {
	if lost {
		if err := s.connect(); err != nil {
			return err
		}
	}
	if s.r.limiter != nil { // with several relays (passRate)
		if err := s.r.limiter.wait(s.ctx); err != nil {
			return err
		}
	}
	return s.conn.Begin(from, to, data)
}

// ahead begins the next message on the same connection; not with several
// relays, where each message first waits its relay's turn (start).
func (s *relaySession) ahead(from, to string, data []byte) bool {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return !s.lost && s.r.limiter == nil && s.conn.Ahead(from, to, data)
}

func (s *relaySession) end() (string, error) {
	reply, err := s.conn.End()
	s.note(err)
	s.t.mu.Lock()
	// busy still when a message was begun ahead: its slot is not idle
	s.busy, s.idleSince = s.conn.InFlight(), time.Now()
	s.t.mu.Unlock()
	return reply, err
}

// note counts the relay's 4xx replies in a row: past relayRefusals it is
// set aside, unless no other relay could take its messages (then they are
// tried again as with one relay). Any other reply shows it works.
func (s *relaySession) note(err error) {
	var re *smtpclient.ReplyError
	temporary := errors.As(err, &re) && re.Code < 500
	if err != nil && !temporary {
		return // a refusal for good or a broken connection tells nothing of the relay's health
	}
	t := s.t
	t.mu.Lock()
	defer t.mu.Unlock()
	r := s.r
	if !temporary {
		if r.pause != relayPause {
			t.health.Delete(r.key()) // it works again
		}
		r.refusals, r.pause = 0, relayPause
		return
	}
	r.refusals++
	if now := time.Now(); r.refusals >= relayRefusals && r.healthy(now) && t.othersHealthy(r, now) {
		t.setAside(r, fmt.Errorf("%d messages in a row answered with a temporary refusal, the last: %w", r.refusals, err))
	}
}

// broken tells the worker to open another session: the connection failed,
// lost its slot, or its relay was set aside.
func (s *relaySession) broken() bool {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return s.lost || s.conn.Broken() || !s.r.healthy(time.Now())
}

func (s *relaySession) close() {
	t := s.t
	t.mu.Lock()
	if s.lost {
		t.mu.Unlock()
		return
	}
	conn := s.conn
	s.lost, s.conn = true, nil
	s.r.open--
	delete(t.sessions, s)
	t.signal()
	t.mu.Unlock()
	conn.Close()
}

// relay names the relay that carried the last message begun.
func (s *relaySession) relay() string {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return s.r.name
}
