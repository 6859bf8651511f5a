package dispatch

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// A stop (the mailing stopped by its owner or a moderator, deleted, or its
// owner blocked; the run paused or cancelled by its owner) is seen by the workers before they begin each message, so
// that at most the one message each connection had in flight goes out after
// it is saved. Reading the mailing before every message would cost a read
// a message; instead each run remembers its last answer for fresh (skip.go),
// and forgets it at once when a mailing or a user is saved in this process
// (the REST API, the moderation routes: a hook the pass binds). A stop
// saved by another process (`postrider dispatch` beside `serve`) is seen
// within fresh.
type stopCheck struct {
	mu   sync.Mutex
	read atomic.Int64  // when the stop was last read (unix ns); 0: never
	seen atomic.Uint64 // the pass's saves count when it was read
}

// watchStops makes every run read its stop again before its next message
// once a mailing or a user is saved or deleted; the returned func unbinds
// the hooks.
func (p *pass) watchStops() (unwatch func()) {
	bump := func(e *core.ModelEvent) error {
		p.saves.Add(1)
		return e.Next()
	}
	updated := p.app.OnModelAfterUpdateSuccess("mailings", "users").BindFunc(bump)
	deleted := p.app.OnModelAfterDeleteSuccess("mailings", "users").BindFunc(bump)
	// a run its owner paused or cancelled (held.go); the pass's own saves
	// of a sending run's counters leave the others be
	held := p.app.OnRecordAfterUpdateSuccess("runs").BindFunc(func(e *core.RecordEvent) error {
		if s := e.Record.GetString("status"); s == runPaused || s == runCancelled {
			p.saves.Add(1)
		}
		return e.Next()
	})
	return func() {
		p.app.OnModelAfterUpdateSuccess().Unbind(updated)
		p.app.OnModelAfterDeleteSuccess().Unbind(deleted)
		p.app.OnRecordAfterUpdateSuccess().Unbind(held)
	}
}

// stopping tells whether the run must send nothing more: its sending was
// cut (paused, stopped, the pass ends) or its mailing may not send now, as
// read at most fresh ago and since the last save of a mailing or user. A
// stop read here cuts the run; its jobs not begun stay pending.
func (s *runSender) stopping() bool {
	if s.ctx.Err() != nil {
		return true
	}
	if !s.stop.stale(s.p.saves.Load()) {
		return false
	}
	s.stop.mu.Lock()
	defer s.stop.mu.Unlock()
	saves := s.p.saves.Load() // before the read: a save during it is read again
	if s.ctx.Err() != nil || !s.stop.stale(saves) {
		return s.ctx.Err() != nil
	}
	held := s.p.heldByOwner(s.run.Id)
	stop, why := s.p.mustStop(s.run.Id)
	s.stop.seen.Store(saves)
	s.stop.read.Store(time.Now().UnixNano())
	switch {
	case held != nil:
		s.cancel(held)
		return true
	case stop:
		s.cancel(fmt.Errorf("%w: %s", errStopped, why))
	}
	return stop
}

// stale tells whether the last read is older than fresh, or a mailing or
// user was saved since.
func (c *stopCheck) stale(saves uint64) bool {
	return c.seen.Load() != saves || time.Since(time.Unix(0, c.read.Load())) >= fresh
}
