package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
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
	if c.RetryFor != 120*time.Hour || len(c.RetryDelays) != 9 || c.RetryDelays[8] != time.Hour {
		t.Fatalf("retries: for %s, delays %v", c.RetryFor, c.RetryDelays)
	}
}

func TestFromEnvTakesARetrySchedule(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"POSTRIDER_RETRY_DELAYS": "1ms, 90s,1h", "POSTRIDER_RETRY_FOR": "48h"}))
	if err != nil || c.RetryFor != 48*time.Hour || len(c.RetryDelays) != 3 || c.RetryDelays[0] != time.Millisecond || c.RetryDelays[1] != 90*time.Second {
		t.Fatalf("got for %s, delays %v, %v", c.RetryFor, c.RetryDelays, err)
	}
}

// POSTRIDER_LOG_RETENTION_DAYS: 0 or unset keeps every delivery.
func TestFromEnvTakesALogRetention(t *testing.T) {
	for value, want := range map[string]int{"": 0, "0": 0, "90": 90} {
		c, err := FromEnv(env(map[string]string{"POSTRIDER_LOG_RETENTION_DAYS": value}))
		if err != nil || c.LogRetentionDays != want {
			t.Errorf("%q: got %d, %v; want %d", value, c.LogRetentionDays, err, want)
		}
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
		"POSTRIDER_APP_URL":            "mail.example.com",
		"POSTRIDER_SMTP_PORT":          "99999",
		"POSTRIDER_SMTP_TLS":           "ssl",
		"POSTRIDER_SENDER_ADDRESS":     "not an address",
		"POSTRIDER_DISPATCH_CRON":      "every five minutes",
		"POSTRIDER_DISPATCH_WORKERS":   "0",
		"POSTRIDER_DISPATCH_RATE":      "-1",
		"POSTRIDER_CLAIM_CHUNK":        "0",
		"POSTRIDER_SMTP_DATA_TIMEOUT":  "10",
		"POSTRIDER_RETRY_DELAYS":       "1s,soon",
		"POSTRIDER_RETRY_FOR":          "5d",
		"POSTRIDER_LOG_RETENTION_DAYS": "7", // shorter than a delivery's tries and its bounces
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

// storedSettings reads the settings as the database holds them, as a
// process started without the variables would load them.
func storedSettings(t *testing.T, app core.App) (core.MetaConfig, core.SMTPConfig) {
	t.Helper()
	var raw string
	if err := app.DB().NewQuery("SELECT value FROM _params WHERE id = 'settings'").Row(&raw); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Meta core.MetaConfig `json:"meta"`
		SMTP core.SMTPConfig `json:"smtp"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatal(err)
	}
	return s.Meta, s.SMTP
}

// The variables are in force while set and never reach the database: not
// at start, not when the settings are saved (as the dashboard does) while
// they are in force, not after a reload.
func TestVariablesAreLaidOverNeverStored(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	s := app.Settings()
	s.Meta.AppURL, s.Meta.SenderAddress = "https://dashboard.example.net", "desk@example.net"
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port, s.SMTP.Username, s.SMTP.Password = true, "smtp.example.net", 587, "desk", "dashboard-password"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}

	c, err := FromEnv(env(map[string]string{
		"POSTRIDER_APP_URL":        "https://mail.example.com/",
		"POSTRIDER_SMTP_HOST":      "smtp.example.com",
		"POSTRIDER_SMTP_PORT":      "2525",
		"POSTRIDER_SMTP_USERNAME":  "postrider",
		"POSTRIDER_SMTP_PASSWORD":  "s3cret ",
		"POSTRIDER_SMTP_TLS":       "tls",
		"POSTRIDER_SENDER_ADDRESS": "news@example.com",
		"POSTRIDER_SENDER_NAME":    "Example News",
		"POSTRIDER_HELO":           "mta.example.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c.Layer(app)
	inForce := func(when string) {
		t.Helper()
		s := app.Settings()
		if s.Meta.AppURL != "https://mail.example.com" || s.Meta.SenderAddress != "news@example.com" || s.Meta.SenderName != "Example News" {
			t.Fatalf("%s: meta not overridden: %+v", when, s.Meta)
		}
		if !s.SMTP.Enabled || s.SMTP.Host != "smtp.example.com" || s.SMTP.Port != 2525 || !s.SMTP.TLS ||
			s.SMTP.Username != "postrider" || s.SMTP.Password != "s3cret " || s.SMTP.LocalName != "mta.example.com" {
			t.Fatalf("%s: SMTP not overridden: %+v", when, s.SMTP)
		}
	}
	dashboardsOnly := func(when string) {
		t.Helper()
		meta, smtp := storedSettings(t, app)
		if meta.AppURL != "https://dashboard.example.net" || meta.SenderAddress != "desk@example.net" || meta.SenderName == "Example News" {
			t.Fatalf("%s: the database holds the variables' meta: %+v", when, meta)
		}
		if smtp.Host != "smtp.example.net" || smtp.Port != 587 || smtp.TLS || smtp.Username != "desk" ||
			smtp.Password != "dashboard-password" || smtp.LocalName != "" {
			t.Fatalf("%s: the database holds the variables' SMTP settings: %+v", when, smtp)
		}
	}
	inForce("at start")
	dashboardsOnly("at start")

	// a save of the settings in force (the dashboard's PATCH saves a copy
	// of them with the fields it changed) keeps the variables out, and
	// what it changed in
	edited, err := app.Settings().Clone()
	if err != nil {
		t.Fatal(err)
	}
	edited.Meta.AppName = "Renamed"
	if err := app.Save(edited); err != nil {
		t.Fatal(err)
	}
	inForce("after a save")
	dashboardsOnly("after a save")
	if app.Settings().Meta.AppName != "Renamed" {
		t.Fatalf("the save's own change was lost: app name %q", app.Settings().Meta.AppName)
	}
	if err := app.Save(app.Settings()); err != nil {
		t.Fatal(err)
	}
	inForce("after saving the app's own settings")
	dashboardsOnly("after saving the app's own settings")

	// a field changed while a variable holds it is the dashboard's new value
	edited, _ = app.Settings().Clone()
	edited.SMTP.Password = "new-dashboard-password"
	if err := app.Save(edited); err != nil {
		t.Fatal(err)
	}
	inForce("after a change under a variable")
	if _, smtp := storedSettings(t, app); smtp.Password != "new-dashboard-password" {
		t.Fatalf("the dashboard's new password was not stored: %q", smtp.Password)
	}
}

// With no variables set, the dashboard's values are the ones in force.
func TestNoVariablesKeepTheDashboardsSettings(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	s := app.Settings()
	s.Meta.AppURL, s.Meta.SenderAddress = "https://dashboard.example.net", "desk@example.net"
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port, s.SMTP.Password = true, "smtp.example.net", 587, "dashboard-password"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	(Config{}).Layer(app)
	if err := app.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	s = app.Settings()
	if s.Meta.AppURL != "https://dashboard.example.net" || s.Meta.SenderAddress != "desk@example.net" ||
		s.SMTP.Host != "smtp.example.net" || s.SMTP.Password != "dashboard-password" {
		t.Fatalf("the dashboard's settings are not in force: %+v %+v", s.Meta, s.SMTP)
	}
}

// PocketBase's placeholders give way: the app URL to the address serve
// listens at (stored, so that a dispatch run apart links there too), the
// sender to noreply@ the app URL's host (in force, not stored); what a
// variable or a person set stays.
func TestPocketBasePlaceholdersGiveWay(t *testing.T) {
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
	(Config{}).Layer(app)
	if m := app.Settings().Meta; m.AppURL != PocketBaseAppURL || m.SenderAddress != "noreply@postrider.localhost" {
		t.Fatalf("after Layer: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
	if err := (Config{}).UseListenURL(app, "http://127.0.0.1:8091"); err != nil {
		t.Fatal(err)
	}
	if m := app.Settings().Meta; m.AppURL != "http://127.0.0.1:8091" || m.SenderAddress != "noreply@postrider.localhost" {
		t.Fatalf("after UseListenURL: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
	if m, _ := storedSettings(t, app); m.AppURL != "http://127.0.0.1:8091" || m.SenderAddress != "support@example.com" {
		t.Fatalf("stored after UseListenURL: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}

	// a real address later: the derived sender follows it, the listening address does not win
	app2, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Cleanup()
	s = app2.Settings()
	s.Meta.AppURL, s.Meta.SenderAddress = PocketBaseAppURL, "support@example.com"
	if err := app2.Save(s); err != nil {
		t.Fatal(err)
	}
	c := Config{AppURL: "https://Mail.Example.com"}
	c.Layer(app2)
	if err := c.UseListenURL(app2, "http://127.0.0.1:8091"); err != nil {
		t.Fatal(err)
	}
	if m := app2.Settings().Meta; m.AppURL != "https://Mail.Example.com" || m.SenderAddress != "noreply@mail.example.com" {
		t.Fatalf("with POSTRIDER_APP_URL: app URL %q, sender %q", m.AppURL, m.SenderAddress)
	}
	if m, _ := storedSettings(t, app2); m.AppURL != PocketBaseAppURL {
		t.Fatalf("POSTRIDER_APP_URL was stored: %q", m.AppURL)
	}
}

// POSTRIDER_SMTP_CA must be a readable PEM file of certificates; anything
// else stops the start with a message naming the variable.
func TestSMTPCARefusesABadFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.pem"), notPEM} {
		_, err := FromEnv(env(map[string]string{"POSTRIDER_SMTP_CA": path}))
		if err == nil || !strings.Contains(err.Error(), "POSTRIDER_SMTP_CA") || !strings.Contains(err.Error(), path) {
			t.Errorf("POSTRIDER_SMTP_CA=%s: %v", path, err)
		}
	}
	c, err := FromEnv(env(nil))
	if err != nil || c.SMTPRootCAs != nil {
		t.Fatalf("unset: roots %v, %v", c.SMTPRootCAs, err)
	}
}

// A public service gives new accounts a daily limit; none by default.
func TestFromEnvTakesANewUserDailyLimit(t *testing.T) {
	c, err := FromEnv(env(map[string]string{}))
	if err != nil || c.NewUserDailyLimit != 0 {
		t.Fatalf("default: got %d, %v", c.NewUserDailyLimit, err)
	}
	c, err = FromEnv(env(map[string]string{"POSTRIDER_NEW_USER_DAILY_LIMIT": "1000"}))
	if err != nil || c.NewUserDailyLimit != 1000 {
		t.Fatalf("1000: got %d, %v", c.NewUserDailyLimit, err)
	}
	for _, bad := range []string{"-5", "many"} {
		_, err := FromEnv(env(map[string]string{"POSTRIDER_NEW_USER_DAILY_LIMIT": bad}))
		if err == nil || !strings.Contains(err.Error(), "POSTRIDER_NEW_USER_DAILY_LIMIT") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: want an error naming the variable and the value, got %v", bad, err)
		}
	}
}
