package serve

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// storedSMTP reads the settings the data dir holds, as a start without the
// variables would load them. "sqlite" is PocketBase's pure-Go driver, which
// internal/e2e brings in (the binary's cgo one is registered in package
// main only).
func storedSMTP(t *testing.T, dataDir string) (appURL string, smtp map[string]any) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw string
	if err := db.QueryRow("SELECT value FROM _params WHERE id = 'settings'").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Meta struct {
			AppURL string `json:"appURL"`
		} `json:"meta"`
		SMTP map[string]any `json:"smtp"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return s.Meta.AppURL, s.SMTP
}

// SMTP settings given by the environment are in force for account mail
// and its links, and never written to the database: neither at start nor
// when a superuser saves the dashboard's settings while they are in force.
// The EHLO name is POSTRIDER_HELO.
func TestSMTPVariablesAreNeverStored(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Username, srv.Password = "env-user", "env-password"
	in := e2e.Serve(t, map[string]string{
		"POSTRIDER_SMTP_HOST":     srv.Host,
		"POSTRIDER_SMTP_PORT":     strconv.Itoa(srv.Port),
		"POSTRIDER_SMTP_TLS":      "none",
		"POSTRIDER_SMTP_USERNAME": "env-user",
		"POSTRIDER_SMTP_PASSWORD": "env-password",
		"POSTRIDER_HELO":          "mta.postrider.example",
	})
	notStored := func(when string) {
		t.Helper()
		appURL, smtp := storedSMTP(t, in.DataDir)
		if appURL == in.URL || smtp["host"] == srv.Host || smtp["username"] == "env-user" || smtp["password"] == "env-password" ||
			smtp["localName"] == "mta.postrider.example" || smtp["enabled"] == true {
			t.Fatalf("%s: the database holds the variables: app URL %q, smtp %v", when, appURL, smtp)
		}
	}
	signUp := func(email string, n int) {
		t.Helper()
		in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
			"email": email, "password": "a long password", "passwordConfirm": "a long password",
		})
		m := srv.WaitFor(t, n, 30*time.Second)[n-1]
		if m.To[0] != email || m.User != "env-user" || m.Helo != "mta.postrider.example" {
			t.Fatalf("the mail to %s went to %v as user %q after EHLO %q", email, m.To, m.User, m.Helo)
		}
		if link := e2e.LinkIn(t, m.Data); !strings.HasPrefix(link, in.URL+"/confirm?token=") {
			t.Fatalf("link %q", link)
		}
	}
	notStored("after the start")
	signUp("first@example.com", 1)

	su := e2e.SuperuserToken(t, in)
	in.Must(200, "PATCH", "/api/settings", su, map[string]any{"meta": map[string]any{"appName": "Renamed"}})
	var shown struct {
		Meta struct{ AppName string }
		SMTP struct{ Host string } `json:"smtp"`
	}
	in.Call("GET", "/api/settings", su, nil, &shown)
	if shown.Meta.AppName != "Renamed" || shown.SMTP.Host != srv.Host {
		t.Fatalf("the dashboard shows app name %q and SMTP host %q, want the saved name and the host in force", shown.Meta.AppName, shown.SMTP.Host)
	}
	notStored("after the dashboard's settings were saved")
	signUp("second@example.com", 2)
}
