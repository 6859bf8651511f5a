package dispatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/cobra"

	"postrider/config"
)

// CronJobID names the dispatcher's job in PocketBase's cron (GET /api/crons).
const CronJobID = "postrider_dispatch"

// Bind runs passes inside `serve`: when the earliest window falls due (a
// timer, wake.go), so that an occurrence starts within a second of its time;
// at once for what can send again (runs left unfinished when serve starts,
// a resume, the lock of another process let go); and on the schedule of
// POSTRIDER_DISPATCH_CRON as the safety net. Account mail goes the
// dispatcher's way whether or not serve dispatches (mailer.go). A pass
// still running when another is due claims the new windows itself, never a
// second pass beside it (the data dir's lock); stopping the server stops the
// pass between messages.
func Bind(app core.App, cfg config.Config) {
	BindBackups(app) // whoever dispatches: `postrider dispatch` may, with serve's cron off
	bindAccountMail(app, OptionsFrom(cfg))
	if cfg.DispatchCron == config.DispatchOff {
		return
	}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		ctx, cancel := context.WithCancel(context.Background())
		w := newWaker(ctx, e.App, OptionsFrom(cfg))
		// before PocketBase writes its last logs (priority -999), so that
		// the pass's own last lines reach them
		e.App.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Priority: -1000, Func: func(te *core.TerminateEvent) error {
			cancel()
			w.stop()
			return te.Next()
		}})
		expr := cfg.DispatchCron
		if expr == "" {
			expr = config.DefaultDispatchCron
		}
		if err := e.App.Cron().Add(CronJobID, expr, w.fire); err != nil {
			return fmt.Errorf("POSTRIDER_DISPATCH_CRON %q: %w", expr, err)
		}
		w.bindHooks()
		w.start()
		return e.Next()
	})
}

// NewCommand is `postrider dispatch`: one pass from the command line.
func NewCommand(app core.App, cfg config.Config) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "dispatch",
		Short: "Send the mailings that are due, once, and print what was done",
		Long: `Does one dispatch pass, as the server does every few minutes: claims the
occurrences that are due, sends their messages and records every outcome.
It exits with 1 and a message when it cannot work (an unreachable SMTP
server, say); what it could not send stays pending for the next pass.`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		Run: func(cmd *cobra.Command, args []string) {
			fail := func(err error) {
				fmt.Fprintln(os.Stderr, "postrider dispatch:", err)
				os.Exit(1)
			}
			if err := app.RunAllMigrations(); err != nil {
				fail(fmt.Errorf("applying migrations: %w", err))
			}
			// a one-shot pass writes through one connection: 8 MB of page
			// cache instead of PocketBase's 32 MB keeps a 100,000-message run
			// near 110 MB of memory instead of 160, at the same speed (README)
			if _, err := app.NonconcurrentDB().NewQuery("PRAGMA cache_size = -8000").Execute(); err != nil {
				fail(err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// PocketBase closes the database on the same signals: it waits
			// for the pass to stop between messages and record what it sent
			passDone := make(chan struct{})
			app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
				stop()
				<-passDone
				return e.Next()
			})
			opts := OptionsFrom(cfg)
			opts.DryRun = dryRun
			summary, err := Run(ctx, app, opts)
			close(passDone)
			if dryRun {
				for _, d := range summary.Due {
					fmt.Printf("due: %q (mailing %s), occurrence %s, %d recipients\n",
						d.Subject, d.Mailing, d.RunAt.Format(time.RFC3339), d.Recipients)
				}
				fmt.Printf("%d runs due, %d windows ended unsent (dry run: nothing was sent)\n", len(summary.Due), summary.Skipped)
			} else {
				fmt.Println(summary)
			}
			if ctx.Err() != nil {
				fail(errors.New("interrupted; what was not sent stays pending for the next pass"))
			}
			if err != nil {
				fail(err)
			}
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only show what is due, send nothing")
	return cmd
}
