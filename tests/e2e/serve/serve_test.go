package serve

// End-to-end tests: the real binary, started as a newcomer would start it,
// on a free loopback port with a fresh data dir.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A newcomer's first try: no SMTP anywhere, so the confirmation mail lands in
// pb_data/outbox/; its link opens the web app's confirm page; after the
// confirmation the user logs in and sets up a mailing through the REST API.
// No POSTRIDER_APP_URL: the link must still point where serve listens
// (127.0.0.1 and the port of --http), not at PocketBase's
// http://localhost:8090, and the mail comes from no real domain's mailbox.
func TestServeSignUpConfirmFromOutboxAndSetUpAMailing(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_APP_URL": ""})

	for _, page := range []string{"/", "/_/"} {
		res, err := http.Get(in.URL + page)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", page, res.StatusCode, err)
		}
		res.Body.Close()
	}

	creds := map[string]any{"identity": "newcomer@example.com", "password": "a long password"}
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "newcomer@example.com", "password": "a long password", "passwordConfirm": "a long password",
		"name": "Newcomer", "timezone": "Europe/Moscow",
	})
	out := in.Must(403, "POST", "/api/collections/users/auth-with-password", "", creds)
	if !strings.Contains(fmt.Sprint(out["message"]), "Confirm your email") {
		t.Fatalf("login before confirming: %v", out)
	}

	raw := e2e.WaitForOutbox(t, filepath.Join(in.DataDir, "outbox"))
	if m := smtptest.ReadMail(t, raw); !strings.Contains(m.Header.Get("To"), "newcomer@example.com") ||
		!strings.Contains(m.Header.Get("From"), "<noreply@postrider.localhost>") {
		t.Fatalf("the outbox mail is from %q to %q", m.Header.Get("From"), m.Header.Get("To"))
	}
	link := e2e.LinkIn(t, raw)
	if !strings.HasPrefix(link, in.URL+"/confirm?token=") {
		t.Fatalf("the link %q does not open the web app's confirm page under %s", link, in.URL)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(page, []byte(`src="/js/app.js"`)) {
		t.Fatalf("the link (%d) does not open the web app (tests/e2e/browser/accounts follows it in Chromium):\n%s", res.StatusCode, page)
	}
	token := link[strings.Index(link, "token=")+len("token="):]
	in.Must(204, "POST", "/api/collections/users/confirm-verification", "", map[string]any{"token": token})

	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "", creds)
	tok, _ := auth["token"].(string)
	user, _ := auth["record"].(map[string]any)
	if tok == "" || user["role"] != "user" || user["timezone"] != "Europe/Moscow" {
		t.Fatalf("login answer: %v", auth)
	}

	list := in.Must(200, "POST", "/api/collections/lists/records", tok, map[string]any{"name": "Customers"})
	in.Must(200, "POST", "/api/collections/clients/records", tok, map[string]any{
		"email": "client@example.org", "name": "A Client", "lists": []any{list["id"]},
	})
	mailing := in.Must(200, "POST", "/api/collections/mailings/records", tok, map[string]any{
		"subject": "Hello", "body": "<p>Hello there</p>", "lists": []any{list["id"]},
	})
	if mailing["status"] != "created" || mailing["owner"] != user["id"] {
		t.Fatalf("new mailing: %v", mailing)
	}
	start := time.Now().UTC().Add(time.Hour).Format("2006-01-02 15:04:05.000Z")
	end := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z")
	sched := in.Must(200, "POST", "/api/collections/schedules/records", tok, map[string]any{
		"mailing": mailing["id"], "starts_at": start, "ends_at": end, "period": "daily",
	})
	if sched["next_run_at"] != start {
		t.Fatalf("next_run_at %v, want the start %s", sched["next_run_at"], start)
	}
	past := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")
	out = in.Must(400, "POST", "/api/collections/schedules/records", tok, map[string]any{
		"mailing": mailing["id"], "starts_at": past, "ends_at": end, "period": "once",
	})
	if data, _ := out["data"].(map[string]any); data["starts_at"] == nil {
		t.Fatalf("a window in the past: the error does not name starts_at: %v", out)
	}
	var mine struct{ TotalItems int }
	in.Call("GET", "/api/collections/schedules/records", tok, nil, &mine)
	if mine.TotalItems != 1 {
		t.Fatalf("the refused window was saved: %d windows", mine.TotalItems)
	}
}

// With SMTP configured through the environment, the confirmation mail goes
// through that server and nothing is left in the outbox. TLS=none is taken
// at its word, as for mailings: the server offers STARTTLS with a
// certificate the binary does not trust, and the mail goes in plain text.
func TestServeSendsAccountMailThroughConfiguredSMTP(t *testing.T) {
	smtp, _ := smtptest.StartTLS(t, false)
	in := e2e.Serve(t, map[string]string{
		"POSTRIDER_SMTP_HOST":      smtp.Host,
		"POSTRIDER_SMTP_PORT":      strconv.Itoa(smtp.Port),
		"POSTRIDER_SMTP_TLS":       "none",
		"POSTRIDER_SENDER_ADDRESS": "hello@postrider.example",
		"POSTRIDER_SENDER_NAME":    "Postrider Test",
	})
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "smtp-user@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	msgs := smtp.WaitFor(t, 1, 30*time.Second)
	if msgs[0].From != "hello@postrider.example" || len(msgs[0].To) != 1 || msgs[0].To[0] != "smtp-user@example.com" {
		t.Fatalf("envelope: from %q to %v", msgs[0].From, msgs[0].To)
	}
	if msgs[0].TLS {
		t.Fatal("with POSTRIDER_SMTP_TLS=none the account mail went over STARTTLS")
	}
	if m := smtptest.ReadMail(t, msgs[0].Data); !strings.Contains(m.Header.Get("From"), "Postrider Test") {
		t.Fatalf("the sender's name is missing: From: %s", m.Header.Get("From"))
	}
	link := e2e.LinkIn(t, msgs[0].Data)
	if !strings.HasPrefix(link, in.URL+"/confirm?token=") {
		t.Fatalf("link %q", link)
	}
	if files, _ := filepath.Glob(filepath.Join(in.DataDir, "outbox", "*.eml")); len(files) != 0 {
		t.Fatalf("mail sent through SMTP was also written to the outbox: %v", files)
	}
}

// A bad variable stops the binary before it starts, with a message naming it.
func TestBadConfigurationStopsStartup(t *testing.T) {
	cmd := e2e.Run(t, map[string]string{"POSTRIDER_SMTP_PORT": "twenty-five", "POSTRIDER_DISPATCH_CRON": "soon", "POSTRIDER_MAX_COMPLAINT_RATE": "0.3 percent"},
		"serve", "--dir", filepath.Join(t.TempDir(), "pb_data"), "--http", "127.0.0.1:"+strconv.Itoa(e2e.FreePort(t)))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started with a bad configuration:\n%s", out)
	}
	for _, want := range []string{"POSTRIDER_SMTP_PORT", "twenty-five", "POSTRIDER_DISPATCH_CRON", "POSTRIDER_MAX_COMPLAINT_RATE", "not a percentage"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the message does not mention %s:\n%s", want, out)
		}
	}
}

// A site adds a route in pb_hooks/ without a rebuild.
func TestServeLoadsJSHooks(t *testing.T) {
	in := e2e.Serve(t, nil, map[string]string{
		"pb_hooks/hello.pb.js": `routerAdd("GET", "/api/hello", (e) => e.string(200, "hello from pb_hooks"))`,
	})
	res, err := http.Get(in.URL + "/api/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hello from pb_hooks" {
		t.Fatalf("GET /api/hello: %d %q", res.StatusCode, body)
	}
}

// printsSQL finds lines of PocketBase's dev mode, which logs every statement.
var printsSQL = regexp.MustCompile(`(?m)\b(SELECT|INSERT|UPDATE|CREATE TABLE|CREATE INDEX|PRAGMA)\b`)

// The first start, as a newcomer runs it (no flags but the address and the
// data dir, no variables): a few plain lines that say where the service is,
// how to make the first superuser and where mail goes, with no SQL around
// them; the outbox file of the first mail is named too. A first dispatch
// prints its summary only. The test binary lives in the temp dir, so
// PocketBase takes it for `go run`, the case that used to print every statement.
func TestFirstStartPrintsAFewPlainLines(t *testing.T) {
	port := e2e.FreePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	dataDir := filepath.Join(t.TempDir(), "pb_data")
	cmd := e2e.Run(t, nil, "serve", "--http", "127.0.0.1:"+strconv.Itoa(port),
		"--dir", dataDir, "--publicDir", e2e.PublicDir(t))
	out := new(e2e.SyncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		cmd.Wait()
		timer.Stop()
	})
	waitFor := func(what, want string) {
		t.Helper()
		e2e.Eventually(t, 30*time.Second, func() error {
			if !strings.Contains(out.String(), want) {
				return fmt.Errorf("serve did not print %s (%q):\n%s", what, want, out)
			}
			return nil
		})
	}
	waitFor("the installer link", "superuser upsert EMAIL PASSWORD")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, want := range []string{
		"Postrider is running at " + url,
		"No SMTP server: mail is written to " + filepath.Join(dataDir, "outbox") + " as .eml files",
		url + "/_/#/pbinstall/",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the first lines do not say %q", want)
		}
	}
	if len(lines) > 6 || printsSQL.MatchString(out.String()) {
		t.Errorf("the first start printed %d lines, SQL among them: %v", len(lines), printsSQL.MatchString(out.String()))
	}
	if t.Failed() {
		t.Fatalf("serve printed:\n%s", out)
	}

	res, err := http.Post(url+"/api/collections/users/records", "application/json", strings.NewReader(
		`{"email": "first@example.com", "password": "a long password", "passwordConfirm": "a long password"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("sign-up: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	waitFor("the outbox file of the confirmation mail", "Mail to <first@example.com> written to "+filepath.Join(dataDir, "outbox"))
	if printsSQL.MatchString(out.String()) {
		t.Fatalf("a sign-up printed SQL:\n%s", out)
	}

	raw, err := e2e.Run(t, nil, "dispatch", "--dir", filepath.Join(t.TempDir(), "pb_data")).CombinedOutput()
	if got := strings.TrimSpace(string(raw)); err != nil || strings.Count(got, "\n") > 1 || !strings.HasPrefix(got, "runs 0, sent 0") {
		t.Fatalf("a first dispatch (%v) printed more than its summary:\n%s", err, raw)
	}
}

// An unknown path under /api/ is an API call gone wrong: 404 JSON, as
// PocketBase answers it, for a GET as for a POST; the web app's own paths
// get its page.
func TestUnknownAPIPathsAnswer404JSON(t *testing.T) {
	in := e2e.Serve(t, nil)
	get := func(method, path string) (int, string, string) {
		req, err := http.NewRequest(method, in.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(body)
	}
	_, _, want := get(http.MethodPost, "/api/nothing")
	for _, path := range []string{"/api/nothing", "/api/postrider/nothing", "/api/postrider/mailings/x/nothing", "/api"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			status, ctype, body := get(method, path)
			if status != 404 || !strings.HasPrefix(ctype, "application/json") || body != want {
				t.Errorf("%s %s: %d %s %q, want 404 %q", method, path, status, ctype, body, want)
			}
		}
	}
	if status, _, _ := get(http.MethodHead, "/api/nothing"); status != 404 {
		t.Errorf("HEAD /api/nothing: %d, want 404", status)
	}
	for _, path := range []string{"/", "/clients", "/mailings/abc", "/apiary"} {
		if status, ctype, body := get(http.MethodGet, path); status != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "<html") {
			t.Errorf("GET %s: %d %s, want the web app's page", path, status, ctype)
		}
	}
}
