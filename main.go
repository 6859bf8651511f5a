// Postrider: a self-hosted mailing service built on PocketBase.
package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/osutils"

	"postrider/config"
	"postrider/dispatch"
	"postrider/hooks"
	"postrider/inbound"
	"postrider/internal/sqlitedb"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "postrider: bad configuration:\n"+err.Error())
		os.Exit(1)
	}

	// dev mode only with --dev, however the binary is started: under `go run`
	// PocketBase's default printed every SQL statement (350 lines on a first
	// start, secrets among them) around the few lines a newcomer needs, and
	// startup.go prints those lines instead of PocketBase's banner
	app := pocketbase.NewWithConfig(pocketbase.Config{
		DefaultDev:      false,
		HideStartBanner: true,
		DBConnect:       sqlitedb.Connect,
	})
	app.RootCmd.Use = "postrider"
	app.RootCmd.Short = "Postrider, a self-hosted mailing service"

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", defaultPublicDir(), "the directory of the web app's static files")
	app.RootCmd.PersistentFlags().StringVar(&cfg.BlogDir, "blogDir", "", "the directory of the blog's templates (default: pb_hooks/blog beside the publicDir)")
	_ = app.RootCmd.ParseFlags(os.Args[1:])
	if cfg.BlogDir == "" {
		// the blog's pages ship with the web app, in the hooks folder an
		// operator edits without a rebuild
		cfg.BlogDir = filepath.Join(filepath.Dir(filepath.Clean(publicDir)), "pb_hooks", "blog")
	}

	// site-specific JS hooks in pb_hooks/; every migration is a Go one, so
	// the JS migrations folder points at a place that is never created
	jsvm.MustRegister(app, jsvm.Config{
		HooksWatch:    osutils.IsProbablyGoRun(),
		MigrationsDir: filepath.Join(app.DataDir(), "no_js_migrations"),
	})

	// Go migrations; under `go run` dashboard changes are written as new ones
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  osutils.IsProbablyGoRun(),
		Dir:          "migrations",
	})

	hooks.Register(app, cfg)
	bindStartup(app, cfg)
	inbound.Bind(app, cfg) // the SMTP listener for bounces, with POSTRIDER_INBOUND_ADDR
	app.RootCmd.AddCommand(dispatch.NewCommand(app, cfg))

	// the web app, served last so that every API route wins over it
	// (static.go)
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				e.Router.GET("/{path...}", webApp(publicDir))
			}
			return e.Next()
		},
		Priority: 999,
	})

	defer startCPUProfile()() // profile.go

	if err := app.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "postrider:", err)
		os.Exit(1)
	}
}

// defaultPublicDir is ./pb_public under `go run`, else pb_public beside the binary.
func defaultPublicDir() string {
	if osutils.IsProbablyGoRun() {
		return "./pb_public"
	}
	return filepath.Join(filepath.Dir(os.Args[0]), "pb_public")
}
