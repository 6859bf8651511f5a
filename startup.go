package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/osutils"

	"postrider/config"
	"postrider/dispatch"
	"postrider/inbound"
	"postrider/mailout"
)

// bindStartup makes serve's first lines say what a newcomer needs: where the
// service is, how to make the first superuser, and where mail goes. It also
// points the links in mail at the address serve listens at, unless someone
// chose an app URL.
func bindStartup(app *pocketbase.PocketBase, cfg config.Config) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		// first, so that every other handler has run when e.Next returns
		Priority: -1000,
		Func: func(e *core.ServeEvent) error {
			base, listenURL := serveAddress(app, e.Server.Addr)
			if err := cfg.UseListenURL(e.App, listenURL); err != nil {
				return err
			}

			// PocketBase prints the installer link from a goroutine as the
			// listener opens: hold it until the lines above it are out
			printed := make(chan struct{})
			defer close(printed)
			e.InstallerFunc = func(app core.App, installer *core.Record, baseURL string) error {
				<-printed
				return printInstaller(installer, baseURL)
			}
			if err := e.Next(); err != nil {
				return err
			}

			s := e.App.Settings()
			fmt.Printf("Postrider is running at %s (the dashboard: %s/_/)\n", base, base)
			if s.Meta.AppURL != base {
				fmt.Printf("Links in mail point at %s (POSTRIDER_APP_URL or the dashboard changes it)\n", s.Meta.AppURL)
			}
			if s.SMTP.Enabled && s.SMTP.Host != "" {
				fmt.Printf("Mail goes through the SMTP server %s, from %s\n",
					net.JoinHostPort(s.SMTP.Host, fmt.Sprint(s.SMTP.Port)), s.Meta.SenderAddress)
			} else {
				fmt.Printf("No SMTP server: mail is written to %s as .eml files\n", mailout.OutboxDir(e.App.DataDir()))
			}
			if cfg.Inbound.Addr != "" {
				fmt.Printf("Bounces and complaints are taken by SMTP at %s, for @%s\n", cfg.Inbound.Addr, inbound.BounceDomain(e.App, cfg.BounceDomain))
			}
			if d, err := dispatch.DKIMFor(e.App, dispatch.OptionsFrom(cfg)); err != nil {
				fmt.Printf("DKIM: %v\n", err)
			} else if d != nil {
				fmt.Printf("Mail is signed with DKIM (d=%s, s=%s); the public key to publish: %s\n", d.Domain, d.Selector, config.DKIMSummary(d))
			}
			return nil
		},
	})
}

// serveAddress reads serve's flags: base is the address the service answers
// at, as PocketBase's own banner gives it; listenURL is the same when links
// can use it, and empty for HTTPS (the certificate's domain is the app URL
// to set) or a wildcard address such as 0.0.0.0, which no browser opens.
func serveAddress(app *pocketbase.PocketBase, addr string) (base, listenURL string) {
	if cmd, _, err := app.RootCmd.Find([]string{"serve"}); err == nil {
		if cmd.Flags().NArg() > 0 {
			return "https://" + cmd.Flags().Arg(0), ""
		}
		if f := cmd.Flags().Lookup("https"); f != nil && f.Value.String() != "" {
			return "https://" + addr, ""
		}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || net.ParseIP(host).IsUnspecified() {
		return "http://" + addr, ""
	}
	return "http://" + addr, "http://" + addr
}

// printInstaller is PocketBase's installer in plain lines: the link (tried
// in a browser too) that makes the first superuser, and the command that
// does the same.
func printInstaller(installer *core.Record, baseURL string) error {
	token, err := installer.NewStaticAuthToken(30 * time.Minute)
	if err != nil {
		return err
	}
	link := baseURL + "/_/#/pbinstall/" + token
	_ = osutils.LaunchURL(link)
	self := os.Args[0]
	if osutils.IsProbablyGoRun() {
		self = "go run ."
	}
	fmt.Printf("No superuser yet: open this link within 30 minutes to create the first one:\n  %s\n"+
		"or run: %s superuser upsert EMAIL PASSWORD\n", link, self)
	return nil
}
