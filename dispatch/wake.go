package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
)

// waker starts a pass inside `serve` when the earliest window of a mailing
// that may send falls due, or the next try of a sending run comes. Its timer is set again whenever a window,
// a mailing or a user is saved (a window created or moved, a mailing
// resumed, an owner unblocked) and after each pass. While a pass runs,
// firing only tells that pass to claim what fell due (Options.Wake).
// What can send again without a window (a mailing resumed, an owner
// unblocked, a paused run resumed, runs left unfinished by a process that
// ended) is taken up at once by takeUp, and when another process holds the
// data dir's lock, a pass starts as soon as it lets go (awaitLock).
type waker struct {
	ctx  context.Context
	app  core.App
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	timer   *time.Timer
	running bool
	again   bool // a pass must start when the running one ends (takeUp)
	waiting bool // awaitLock watches the lock
	stopped bool
	passes  sync.WaitGroup // the pass running, for stop to wait for
	wake    chan struct{}  // Options.Wake of the running pass
}

// lockPoll is how often awaitLock tries the lock another process holds:
// a few cheap system calls, no database.
const lockPoll = 500 * time.Millisecond

// afterFailure is how long the timer waits after a failed pass before it
// tries again (the cron tries too): a window that cannot be claimed must
// not make a pass a millisecond.
const afterFailure = 10 * time.Second

func newWaker(ctx context.Context, app core.App, opts Options) *waker {
	w := &waker{ctx: ctx, app: app, log: app.Logger().With(slog.String("component", "dispatch")), wake: make(chan struct{}, 1)}
	opts.Wake = w.wake
	w.opts = opts
	return w
}

// bindHooks sets the timer again after every save that may bring a window's
// time nearer, and takes up at once what a save lets send again.
func (w *waker) bindHooks() {
	for _, c := range []string{"schedules", "mailings", "users"} {
		w.app.OnRecordAfterCreateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			w.reset()
			return e.Next()
		})
		w.app.OnRecordAfterUpdateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			w.reset()
			if resumed(e.Record) {
				w.takeUp()
			}
			return e.Next()
		})
	}
	// a retry run (retry_run.go) has no window to wake a pass: it is sent
	// at once
	w.app.OnRecordAfterCreateSuccess("runs").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") == lifecycle.RunRetry {
			w.takeUp()
		}
		return e.Next()
	})
	// a welcome run (welcome.go) is due when its earliest joiner is: a
	// join moves its next try, which may bring the timer nearer
	welcomeMoved := func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") == lifecycle.RunWelcome {
			w.reset()
		}
		return e.Next()
	}
	w.app.OnRecordAfterCreateSuccess("runs").BindFunc(welcomeMoved)
	w.app.OnRecordAfterUpdateSuccess("runs").BindFunc(welcomeMoved)
	// a paused run set sending again (the dashboard, the API): only on a
	// request, for a pass resumes parked runs itself (syncRuns)
	w.app.OnRecordUpdateRequest("runs").BindFunc(func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if e.Record.GetString("status") == runSending && e.Record.Original().GetString("status") == runPaused {
			w.takeUp()
		}
		return nil
	})
	// a run its owner paused, resumed by them (POST /api/postrider/runs/{id}/resume)
	w.app.OnRecordAfterUpdateSuccess("runs").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == runSending && e.Record.Original().GetBool("paused_by_owner") {
			w.takeUp()
		}
		return e.Next()
	})
}

// resumed tells whether a save let a mailing send again: the mailing no
// longer stopped, approved once pending or rejected, or its owner no
// longer blocked, or their daily limit raised or cleared (a waiting run
// goes on: waiting.go).
func resumed(r *core.Record) bool {
	switch r.Collection().Name {
	case "mailings":
		was := r.Original().GetString("approval")
		approved := was != r.GetString("approval") && r.GetString("approval") == lifecycle.ApprovalApproved
		return r.Original().GetBool("stopped") && !r.GetBool("stopped") || approved
	case "users":
		was, limit := r.Original().GetInt("daily_limit"), r.GetInt("daily_limit")
		raised := was > 0 && (limit == 0 || limit > was)
		return raised || r.Original().GetBool("blocked") && !r.GetBool("blocked")
	}
	return false
}

// start takes up, when serve starts, the runs a process that ended left
// unfinished (sending, or parked while their mailing may send again), and
// sets the timer for the windows.
func (w *waker) start() {
	w.reset()
	unfinished, err := runsToTakeUp(w.app)
	if err != nil {
		w.log.Error("Cannot read the unfinished runs; the cron will look", slog.String("error", err.Error()))
		return
	}
	if unfinished {
		w.takeUp()
	}
}

// takeUp starts a pass now, or right after the running one: a pass that
// runs already sends only the runs it started with and the windows it
// claims, not a run resumed meanwhile.
func (w *waker) takeUp() {
	w.mu.Lock()
	if w.running {
		w.again = true
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	w.fire()
}

// reset sets the timer to the earliest due time (now when it has come);
// no timer when nothing is due ever again.
func (w *waker) reset() {
	at, ok, err := nextDue(w.app)
	if err != nil {
		w.log.Error("Cannot read when the next window is due; the cron will look", slog.String("error", err.Error()))
		return
	}
	if ok {
		w.setTimer(time.Until(at))
	}
}

func (w *waker) setTimer(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(max(d, 0), w.fire)
		return
	}
	w.timer.Reset(max(d, 0))
}

// stop ends the timer and waits for a running pass (its context already
// cancelled) to stop between messages, before the database closes.
func (w *waker) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.passes.Wait()
}

// fire starts a pass, or tells the running one to claim what is due.
func (w *waker) fire() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	if w.running {
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
		return
	}
	w.running = true
	w.passes.Add(1)
	w.mu.Unlock()
	go w.pass()
}

// pass runs one pass, logs what it did, and sets the timer for the next.
func (w *waker) pass() {
	defer w.passes.Done()
	started := time.Now()
	summary, err := Run(w.ctx, w.app, w.opts)
	w.mu.Lock()
	w.running = false
	again := w.again && !summary.Busy
	w.again = false
	w.mu.Unlock()
	if err != nil && w.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// the server is stopping: the pass stopped between messages, as it should
		w.log.Info("Dispatch pass stopped for the shutdown; what it did not send stays pending", slog.String("summary", summary.String()))
		fmt.Fprintf(os.Stderr, "%s postrider: dispatch pass stopped for the shutdown; what it did not send stays pending (%s)\n",
			time.Now().Format(time.DateTime), summary)
		return
	}
	if err != nil {
		w.log.Error("Dispatch pass failed", slog.String("error", err.Error()), slog.String("summary", summary.String()))
		// on stderr too: the log lives in the database, which may be what
		// failed (a full disk)
		fmt.Fprintf(os.Stderr, "%s postrider: dispatch pass failed: %v (%s)\n", time.Now().Format(time.DateTime), err, summary)
		if w.ctx.Err() == nil {
			w.setTimer(afterFailure)
		}
		return
	}
	if summary.Runs+summary.Sent+summary.Failed+summary.Skipped > 0 {
		w.log.Info("Dispatch pass done", slog.String("summary", summary.String()), slog.Duration("took", time.Since(started)))
	}
	if summary.Busy {
		// another process holds the lock (`postrider dispatch`, another
		// serve): it claims what falls due while it runs; a pass takes up
		// what it leaves as soon as it ends, or dies
		w.awaitLock()
		return
	}
	if again {
		w.fire()
		return
	}
	w.reset()
}

// awaitLock starts a pass as soon as the data dir's lock, which another
// process holds, is free. The kernel frees it the moment that process
// ends, however it ends (lock.go), so a second serve takes over within
// lockPoll of the first one dying.
func (w *waker) awaitLock() {
	w.mu.Lock()
	if w.waiting || w.stopped {
		w.mu.Unlock()
		return
	}
	w.waiting = true
	w.mu.Unlock()
	go func() {
		tick := time.NewTicker(lockPoll)
		defer tick.Stop()
		for {
			select {
			case <-w.ctx.Done():
				return
			case <-tick.C:
			}
			unlock, err := lockDataDir(w.app.DataDir())
			if errors.Is(err, errBusy) {
				continue
			}
			if err == nil {
				unlock()
			}
			w.mu.Lock()
			w.waiting = false
			w.mu.Unlock()
			w.fire() // a pass reports an error of its own
			return
		}
	}()
}

// nextDue reads the earliest time a pass has something to do: the next
// occurrence of a window of a mailing that may send (as findDue selects
// them, through the next_run_at index), the next try of a sending run's
// deliveries (retry.go), or the owner's next midnight for a waiting run
// (waiting.go).
func nextDue(app core.App) (time.Time, bool, error) {
	var at []string
	err := app.DB().NewQuery(`SELECT s.next_run_at` + sendableWindows + ` ORDER BY s.next_run_at LIMIT 1`).Column(&at)
	if err != nil {
		return time.Time{}, false, err
	}
	var retry []string
	err = app.DB().NewQuery(`
		SELECT MIN(r.next_try_at) FROM runs r
		JOIN mailings m ON m.id = r.mailing
		JOIN users u ON u.id = m.owner
		WHERE r.status IN ('` + runSending + `', '` + runWaiting + `') AND r.next_try_at != '' AND ` + lifecycle.RunMaySend + `
		HAVING COUNT(*) > 0`).Column(&retry)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(retry) > 0 && (len(at) == 0 || retry[0] < at[0]) {
		at = retry
	}
	if len(at) == 0 {
		return time.Time{}, false, nil
	}
	t, err := types.ParseDateTime(at[0])
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next time due %q: %w", at[0], err)
	}
	return t.Time(), true, nil
}

// runsToTakeUp tells whether a run is left unfinished and may send: sending
// (its process ended mid-run), or parked while its mailing may send again
// (lifecycle.RunMaySend), not by its owner. It walks the runs' status index.
func runsToTakeUp(app core.App) (bool, error) {
	var ids []string
	err := app.DB().NewQuery(`
		SELECT r.id FROM runs r
		JOIN mailings m ON m.id = r.mailing
		JOIN users u ON u.id = m.owner
		WHERE (r.status = '` + runSending + `' OR r.status = '` + runPaused + `' AND r.paused_by_owner = FALSE) AND ` + lifecycle.RunMaySend + `
		LIMIT 1`).Column(&ids)
	return len(ids) > 0, err
}
