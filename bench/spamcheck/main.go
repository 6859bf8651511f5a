// Command spamcheck writes a mailing message and an account mail exactly as
// Postrider sends them, through the outbox (no SMTP server configured), for
// a spam filter to score: `spamassassin -t -L < mailing.eml` (README,
// "Messages"). The POSTRIDER_* variables apply as in `postrider dispatch`,
// POSTRIDER_DKIM_* included.
//
//	go run ./bench/spamcheck -out /tmp/spamcheck
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/mails"

	"postrider/config"
	"postrider/dispatch"
	"postrider/hooks"
	"postrider/mailout"
)

// body is a newsletter as a user writes it in the web app: a heading, a
// few paragraphs, a link; the unsubscribe footer is Postrider's own.
const body = `<h1>Spring news from Acme</h1>
<p>Hello, {{first_name|there}}!</p>
<p>Our spring catalogue is out: forty new garden tools, each tested for a season by our own gardeners before it made the list.
The greenhouse kits come back in three sizes, and the seed boxes now name the farm each packet comes from.</p>
<p>We also moved the shop's opening hours: from April on we open at eight on weekdays and at nine on Saturdays.</p>
<p><a href="https://acme.example.com/catalogue/spring">See the spring catalogue</a></p>
<p>Thank you for reading,<br>Maria from Acme</p>`

func main() {
	out := flag.String("out", "spamcheck", "folder for the data dir and the .eml files")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "spamcheck:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg.SMTPHost = "" // the outbox
	dataDir := filepath.Join(out, "pb_data")
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	s := app.Settings()
	s.Meta.AppURL, s.Meta.SenderName, s.Meta.SenderAddress = "https://mail.acme.example.com", "Acme News", "news@acme.example.com"
	if err := app.Save(s); err != nil {
		return err
	}

	save := func(collection string, data map[string]any) (*core.Record, error) {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Load(data)
		return r, app.Save(r)
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	user := core.NewRecord(users)
	user.SetEmail("maria@acme.example.com")
	user.SetPassword("a long password")
	user.Load(map[string]any{"name": "Maria Lopez", "timezone": "UTC", "role": "user"})
	if err := app.Save(user); err != nil {
		return err
	}
	client, err := save("clients", map[string]any{"owner": user.Id, "email": "anna.smith@example.org", "name": "Anna Smith"})
	if err != nil {
		return err
	}
	mailing, err := save("mailings", map[string]any{"owner": user.Id, "subject": "Spring news from Acme", "body": body, "clients": []string{client.Id}, "status": "created"})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if _, err := save("schedules", map[string]any{"mailing": mailing.Id, "starts_at": now.Add(-time.Minute),
		"ends_at": now.Add(time.Hour), "period": "once", "next_run_at": now.Add(-time.Minute)}); err != nil {
		return err
	}

	hooks.Register(app, cfg)
	outbox := mailout.OutboxDir(dataDir)
	if _, err := dispatch.Run(context.Background(), app, dispatch.OptionsFrom(cfg)); err != nil {
		return err
	}
	if err := collect(outbox, filepath.Join(out, "mailing.eml")); err != nil {
		return err
	}
	if err := mails.SendRecordVerification(app, user); err != nil {
		return err
	}
	return collect(outbox, filepath.Join(out, "account.eml"))
}

// collect moves the one message in the outbox to path.
func collect(outbox, path string) error {
	files, err := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if err != nil || len(files) != 1 {
		return fmt.Errorf("%d messages in %s, want 1 (%v)", len(files), outbox, err)
	}
	fmt.Println(path)
	return os.Rename(files[0], path)
}
