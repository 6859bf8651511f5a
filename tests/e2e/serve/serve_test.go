package main

// End-to-end tests: the real binary, started as a newcomer would start it,
// on a free loopback port with a fresh data dir.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postrider/internal/smtptest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds postrider once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "postrider-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "postrider")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is one running `postrider serve`.
type instance struct {
	t       *testing.T
	url     string
	dataDir string
	output  *bytes.Buffer
	smtp    *smtptest.Server // where its mail goes, when not to the outbox
	cmd     *exec.Cmd
}

// run runs the binary with args in a fresh working dir (so that no .env of the
// developer's is read) and the given POSTRIDER_ variables.
func run(t testing.TB, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serve starts the server and waits until it answers. files are written
// beside the data dir first (pb_hooks/x.pb.js, for instance).
func serve(t *testing.T, env map[string]string, files ...map[string]string) *instance {
	t.Helper()
	root := t.TempDir()
	for _, set := range files {
		for name, content := range set {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return serveAt(t, env, filepath.Join(root, "pb_data"))
}

// serveAt starts `serve` on the data dir given.
func serveAt(t *testing.T, env map[string]string, dataDir string) *instance {
	t.Helper()
	port := freePort(t)
	in := &instance{t: t, url: "http://127.0.0.1:" + strconv.Itoa(port), output: new(bytes.Buffer), dataDir: dataDir}
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["POSTRIDER_APP_URL"]; !ok {
		env["POSTRIDER_APP_URL"] = in.url
	}
	wd, _ := os.Getwd()
	cmd := run(t, env, "serve", "--dev=false", "--http", "127.0.0.1:"+strconv.Itoa(port),
		"--dir", in.dataDir, "--publicDir", filepath.Join(wd, "pb_public"))
	cmd.Stdout, cmd.Stderr = in.output, in.output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server output:\n%s", in.output)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(in.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer on %s within 30 s:\n%s", in.url, in.output)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// call sends a JSON request and decodes the JSON answer into out (when not nil).
func (in *instance) call(method, path, token string, body any, out any) int {
	in.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, r)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// must is call that fails the test unless the status is want.
func (in *instance) must(want int, method, path, token string, body any) map[string]any {
	in.t.Helper()
	var out map[string]any
	if got := in.call(method, path, token, body, &out); got != want {
		in.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, want, out)
	}
	return out
}

var confirmLink = regexp.MustCompile(`(https?://[^\s"<>()]+/confirm\?token=[\w.\-]+)`)

// linkIn finds the confirmation link in a mail's plain-text part.
func linkIn(t *testing.T, raw []byte) string {
	t.Helper()
	m := smtptest.ReadMail(t, raw)
	link := confirmLink.FindString(m.Parts["text/plain"])
	if link == "" {
		t.Fatalf("no confirmation link in the mail %q:\n%s", m.Subject, m.Parts["text/plain"])
	}
	return link
}

// waitForOutbox waits for the first .eml in the outbox and returns its bytes.
func waitForOutbox(t *testing.T, dir string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) > 0 {
			raw, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no mail in %s after 30 s", dir)
	return nil
}

// A newcomer's first try: no SMTP anywhere, so the confirmation mail lands in
// pb_data/outbox/; its link opens the web app's confirm page; after the
// confirmation the user logs in and sets up a mailing through the REST API.
// No POSTRIDER_APP_URL: the link must still point where serve listens
// (127.0.0.1 and the port of --http), not at PocketBase's
// http://localhost:8090, and the mail comes from no real domain's mailbox.
func TestServeSignUpConfirmFromOutboxAndSetUpAMailing(t *testing.T) {
	in := serve(t, map[string]string{"POSTRIDER_APP_URL": ""})

	for _, page := range []string{"/", "/_/"} {
		res, err := http.Get(in.url + page)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", page, res.StatusCode, err)
		}
		res.Body.Close()
	}

	creds := map[string]any{"identity": "newcomer@example.com", "password": "a long password"}
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "newcomer@example.com", "password": "a long password", "passwordConfirm": "a long password",
		"name": "Newcomer", "timezone": "Europe/Moscow",
	})
	out := in.must(403, "POST", "/api/collections/users/auth-with-password", "", creds)
	if !strings.Contains(fmt.Sprint(out["message"]), "Confirm your email") {
		t.Fatalf("login before confirming: %v", out)
	}

	raw := waitForOutbox(t, filepath.Join(in.dataDir, "outbox"))
	if m := smtptest.ReadMail(t, raw); !strings.Contains(m.Header.Get("To"), "newcomer@example.com") ||
		!strings.Contains(m.Header.Get("From"), "<noreply@postrider.localhost>") {
		t.Fatalf("the outbox mail is from %q to %q", m.Header.Get("From"), m.Header.Get("To"))
	}
	link := linkIn(t, raw)
	if !strings.HasPrefix(link, in.url+"/confirm?token=") {
		t.Fatalf("the link %q does not open the web app's confirm page under %s", link, in.url)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(page, []byte(`src="/js/app.js"`)) {
		t.Fatalf("the link (%d) does not open the web app (browser_e2e_test.go follows it in Chromium):\n%s", res.StatusCode, page)
	}
	token := link[strings.Index(link, "token=")+len("token="):]
	in.must(204, "POST", "/api/collections/users/confirm-verification", "", map[string]any{"token": token})

	auth := in.must(200, "POST", "/api/collections/users/auth-with-password", "", creds)
	tok, _ := auth["token"].(string)
	user, _ := auth["record"].(map[string]any)
	if tok == "" || user["role"] != "user" || user["timezone"] != "Europe/Moscow" {
		t.Fatalf("login answer: %v", auth)
	}

	list := in.must(200, "POST", "/api/collections/lists/records", tok, map[string]any{"name": "Customers"})
	in.must(200, "POST", "/api/collections/clients/records", tok, map[string]any{
		"email": "client@example.org", "name": "A Client", "lists": []any{list["id"]},
	})
	mailing := in.must(200, "POST", "/api/collections/mailings/records", tok, map[string]any{
		"subject": "Hello", "body": "<p>Hello there</p>", "lists": []any{list["id"]},
	})
	if mailing["status"] != "created" || mailing["owner"] != user["id"] {
		t.Fatalf("new mailing: %v", mailing)
	}
	start := time.Now().UTC().Add(time.Hour).Format("2006-01-02 15:04:05.000Z")
	end := time.Now().UTC().Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z")
	sched := in.must(200, "POST", "/api/collections/schedules/records", tok, map[string]any{
		"mailing": mailing["id"], "starts_at": start, "ends_at": end, "period": "daily",
	})
	if sched["next_run_at"] != start {
		t.Fatalf("next_run_at %v, want the start %s", sched["next_run_at"], start)
	}
	past := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")
	out = in.must(400, "POST", "/api/collections/schedules/records", tok, map[string]any{
		"mailing": mailing["id"], "starts_at": past, "ends_at": end, "period": "once",
	})
	if data, _ := out["data"].(map[string]any); data["starts_at"] == nil {
		t.Fatalf("a window in the past: the error does not name starts_at: %v", out)
	}
	var mine struct{ TotalItems int }
	in.call("GET", "/api/collections/schedules/records", tok, nil, &mine)
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
	in := serve(t, map[string]string{
		"POSTRIDER_SMTP_HOST":      smtp.Host,
		"POSTRIDER_SMTP_PORT":      strconv.Itoa(smtp.Port),
		"POSTRIDER_SMTP_TLS":       "none",
		"POSTRIDER_SENDER_ADDRESS": "hello@postrider.example",
		"POSTRIDER_SENDER_NAME":    "Postrider Test",
	})
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
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
	link := linkIn(t, msgs[0].Data)
	if !strings.HasPrefix(link, in.url+"/confirm?token=") {
		t.Fatalf("link %q", link)
	}
	if files, _ := filepath.Glob(filepath.Join(in.dataDir, "outbox", "*.eml")); len(files) != 0 {
		t.Fatalf("mail sent through SMTP was also written to the outbox: %v", files)
	}
}

// A bad variable stops the binary before it starts, with a message naming it.
func TestBadConfigurationStopsStartup(t *testing.T) {
	cmd := run(t, map[string]string{"POSTRIDER_SMTP_PORT": "twenty-five", "POSTRIDER_DISPATCH_CRON": "soon"},
		"serve", "--dir", filepath.Join(t.TempDir(), "pb_data"), "--http", "127.0.0.1:"+strconv.Itoa(freePort(t)))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started with a bad configuration:\n%s", out)
	}
	for _, want := range []string{"POSTRIDER_SMTP_PORT", "twenty-five", "POSTRIDER_DISPATCH_CRON"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the message does not mention %s:\n%s", want, out)
		}
	}
}

// A site adds a route in pb_hooks/ without a rebuild.
func TestServeLoadsJSHooks(t *testing.T) {
	in := serve(t, nil, map[string]string{
		"pb_hooks/hello.pb.js": `routerAdd("GET", "/api/hello", (e) => e.string(200, "hello from pb_hooks"))`,
	})
	res, err := http.Get(in.url + "/api/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hello from pb_hooks" {
		t.Fatalf("GET /api/hello: %d %q", res.StatusCode, body)
	}
}

// syncBuffer is a bytes.Buffer that a running process writes to while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	dataDir := filepath.Join(t.TempDir(), "pb_data")
	wd, _ := os.Getwd()
	cmd := run(t, nil, "serve", "--http", "127.0.0.1:"+strconv.Itoa(port),
		"--dir", dataDir, "--publicDir", filepath.Join(wd, "pb_public"))
	out := new(syncBuffer)
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
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not print %s (%q) within 30 s:\n%s", what, want, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
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

	raw, err := run(t, nil, "dispatch", "--dir", filepath.Join(t.TempDir(), "pb_data")).CombinedOutput()
	if got := strings.TrimSpace(string(raw)); err != nil || strings.Count(got, "\n") > 1 || !strings.HasPrefix(got, "runs 0, sent 0") {
		t.Fatalf("a first dispatch (%v) printed more than its summary:\n%s", err, raw)
	}
}

// An unknown path under /api/ is an API call gone wrong: 404 JSON, as
// PocketBase answers it, for a GET as for a POST; the web app's own paths
// get its page.
func TestUnknownAPIPathsAnswer404JSON(t *testing.T) {
	in := serve(t, nil)
	get := func(method, path string) (int, string, string) {
		req, err := http.NewRequest(method, in.url+path, nil)
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
