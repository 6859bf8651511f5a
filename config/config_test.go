package config

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DispatchCron != "*/5 * * * *" || c.DispatchWorkers != DefaultDispatchWorkers || c.DispatchRate != 0 ||
		c.SMTPDataTimeout != 10*time.Minute {
		t.Fatalf("defaults: got %+v", c)
	}
	if c.SMTPHost != "" {
		t.Fatalf("no SMTP host is set by default, got %q", c.SMTPHost)
	}
}

// POSTRIDER_DISPATCH_CRON=off leaves the sending to `postrider dispatch`.
func TestFromEnvTakesDispatchOff(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}))
	if err != nil || c.DispatchCron != DispatchOff {
		t.Fatalf("off: got %q, %v", c.DispatchCron, err)
	}
}

func TestFromEnvRefusesBadValuesByName(t *testing.T) {
	cases := map[string]string{
		"POSTRIDER_APP_URL":           "mail.example.com",
		"POSTRIDER_SMTP_PORT":         "99999",
		"POSTRIDER_SMTP_TLS":          "ssl",
		"POSTRIDER_SENDER_ADDRESS":    "not an address",
		"POSTRIDER_DISPATCH_CRON":     "every five minutes",
		"POSTRIDER_DISPATCH_WORKERS":  "0",
		"POSTRIDER_DISPATCH_RATE":     "-1",
		"POSTRIDER_SMTP_DATA_TIMEOUT": "10",
	}
	for name, value := range cases {
		_, err := FromEnv(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%q: want an error naming the variable and the value, got %v", name, value, err)
		}
	}
	// every bad variable is reported at once
	_, err := FromEnv(env(cases))
	for name := range cases {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("all at once: %s missing from %v", name, err)
		}
	}
}

func TestApplyOverridesStoredSettings(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	c, err := FromEnv(env(map[string]string{
		"POSTRIDER_APP_URL":        "https://mail.example.com/",
		"POSTRIDER_SMTP_HOST":      "smtp.example.com",
		"POSTRIDER_SMTP_PORT":      "2525",
		"POSTRIDER_SMTP_USERNAME":  "postrider",
		"POSTRIDER_SMTP_PASSWORD":  "s3cret ",
		"POSTRIDER_SMTP_TLS":       "tls",
		"POSTRIDER_SENDER_ADDRESS": "news@example.com",
		"POSTRIDER_SENDER_NAME":    "Example News",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(app); err != nil {
		t.Fatal(err)
	}
	// read back from the database, as a restarted process would
	if err := app.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	s := app.Settings()
	if s.Meta.AppURL != "https://mail.example.com" || s.Meta.SenderAddress != "news@example.com" || s.Meta.SenderName != "Example News" {
		t.Fatalf("meta not overridden: %+v", s.Meta)
	}
	if !s.SMTP.Enabled || s.SMTP.Host != "smtp.example.com" || s.SMTP.Port != 2525 || !s.SMTP.TLS ||
		s.SMTP.Username != "postrider" || s.SMTP.Password != "s3cret " {
		t.Fatalf("SMTP not overridden: %+v", s.SMTP)
	}

	// unset variables leave the stored values alone
	if err := (Config{}).Apply(app); err != nil {
		t.Fatal(err)
	}
	if err := app.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	if app.Settings().SMTP.Host != "smtp.example.com" {
		t.Fatalf("an empty config changed the stored SMTP host to %q", app.Settings().SMTP.Host)
	}
}

// PocketBase's placeholders give way: the app URL to the address serve
// listens at, the sender to noreply@ the app URL's host; what a variable or
// a person set stays.
func TestApplyReplacesPocketBasePlaceholders(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	s := app.Settings()
	s.Meta.AppURL, s.Meta.SenderAddress = PocketBaseAppURL, "support@example.com"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}

	// dispatch knows no listening address: only the sender changes
	if err := (Config{}).Apply(app); err != nil {
		t.Fatal(err)
	}
	if m := app.Settings().Meta; m.AppURL != PocketBaseAppURL || m.SenderAddress != "noreply@postrider.localhost" {
		t.Fatalf("after Apply: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
	if err := (Config{}).ApplyListening(app, "http://127.0.0.1:8091"); err != nil {
		t.Fatal(err)
	}
	if m := app.Settings().Meta; m.AppURL != "http://127.0.0.1:8091" || m.SenderAddress != "noreply@postrider.localhost" {
		t.Fatalf("after ApplyListening: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}

	// a real address later: the derived sender follows it, the listening address does not win
	if err := (Config{AppURL: "https://Mail.Example.com"}).ApplyListening(app, "http://127.0.0.1:8091"); err != nil {
		t.Fatal(err)
	}
	if m := app.Settings().Meta; m.AppURL != "https://Mail.Example.com" || m.SenderAddress != "noreply@mail.example.com" {
		t.Fatalf("with POSTRIDER_APP_URL: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
	if err := (Config{SenderAddress: "news@example.org"}).ApplyListening(app, "http://127.0.0.1:8092"); err != nil {
		t.Fatal(err)
	}
	if m := app.Settings().Meta; m.AppURL != "https://Mail.Example.com" || m.SenderAddress != "news@example.org" {
		t.Fatalf("with POSTRIDER_SENDER_ADDRESS: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
}
