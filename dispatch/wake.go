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
)

// waker starts a pass inside `serve` when the earliest window of a mailing
// that may send falls due. Its timer is set again whenever a window,
// a mailing or a user is saved (a window created or moved, a mailing
// resumed, an owner unblocked) and after each pass. While a pass runs,
// firing only tells that pass to claim what fell due (Options.Wake).
type waker struct {
	ctx  context.Context
	app  core.App
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	timer   *time.Timer
	running bool
	stopped bool
	passes  sync.WaitGroup // the pass running, for stop to wait for
	wake    chan struct{}  // Options.Wake of the running pass
}

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
// time nearer.
func (w *waker) bindHooks() {
	for _, c := range []string{"schedules", "mailings", "users"} {
		w.app.OnRecordAfterCreateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			w.reset()
			return e.Next()
		})
		w.app.OnRecordAfterUpdateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			w.reset()
			return e.Next()
		})
	}
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
		// another process holds the lock (`postrider dispatch`): it claims
		// what falls due while it runs; look again soon in case it ends
		w.setTimer(5 * time.Second)
		return
	}
	w.reset()
}

// nextDue reads the earliest next_run_at of a window of a mailing that may
// send (as findDue selects them), through the next_run_at index.
func nextDue(app core.App) (time.Time, bool, error) {
	var at []string
	err := app.DB().NewQuery(`SELECT s.next_run_at` + sendableWindows + ` ORDER BY s.next_run_at LIMIT 1`).Column(&at)
	if err != nil || len(at) == 0 {
		return time.Time{}, false, err
	}
	t, err := types.ParseDateTime(at[0])
	if err != nil {
		return time.Time{}, false, fmt.Errorf("schedules.next_run_at %q: %w", at[0], err)
	}
	return t.Time(), true, nil
}
