package main

// Sending as a shared service (issue 12): how soon a window goes out after
// its time while `serve` runs, and how soon a small mailing is done beside
// a 1,000,000-recipient one of another sender.
//
//	go run ./bench ontime      # 20 windows, each due 2 s after it is saved
//	go run ./bench fair        # 10 recipients beside 1,000,000, with and without a rate limit
//	go run ./bench fair -big 3 -small-after 1s -rates 0   # beside three claims of 1,000,000 at once

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

func ontime(args []string) {
	fs := flag.NewFlagSet("ontime", flag.ExitOnError)
	windows := fs.Int("windows", 20, "windows to time")
	out := fs.String("out", "bench/out", "work folder")
	benchkit.Must(fs.Parse(args))
	bin := benchkit.Build(*out, ".")
	dataDir := filepath.Join(filepath.Dir(bin), "ontime_data")
	benchkit.Must(os.RemoveAll(dataDir))
	due, err := seed.Mailing(dataDir, 10)
	benchkit.Must(err)

	sink := newSubjectSink()
	port := benchkit.FreePort()
	cmd := exec.Command(bin, "serve", "--dev=false", "--http", "127.0.0.1:"+strconv.Itoa(port), "--dir", dataDir)
	cmd.Env = append(os.Environ(), "POSTRIDER_SMTP_HOST=127.0.0.1", "POSTRIDER_SMTP_PORT="+strconv.Itoa(sink.port),
		"POSTRIDER_SMTP_TLS=none", "POSTRIDER_SENDER_ADDRESS=bench@postrider.test")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	benchkit.Must(cmd.Start())
	defer cmd.Process.Kill()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	benchkit.WaitHealthy(base, &output)
	token := login(base)

	benchkit.Step(fmt.Sprintf("%d windows of 10 recipients, each saved 2 s before its time", *windows))
	var late []time.Duration
	for i := range *windows {
		subject := fmt.Sprintf("Window %d", i)
		m := post(base, token, "/api/collections/mailings/records", map[string]any{
			"subject": subject, "body": "<p>On time?</p>", "lists": []string{due.List}})
		start := time.Now().Add(2 * time.Second).UTC().Truncate(time.Millisecond)
		post(base, token, "/api/collections/schedules/records", map[string]any{"mailing": m["id"], "period": "once",
			"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z")})
		first := sink.wait(subject, time.Minute)
		late = append(late, first.Sub(start))
		log.Printf("window %d: first message %s after its time", i, first.Sub(start).Round(time.Millisecond))
	}
	slices.Sort(late)
	fmt.Printf("\n| scheduled time → first message accepted, `serve` running, %d windows | value |\n|---|---|\n", len(late))
	fmt.Printf("| median | %s |\n| worst | %s |\n| best | %s |\n",
		late[len(late)/2].Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond), late[0].Round(time.Millisecond))
}

func fair(args []string) {
	fs := flag.NewFlagSet("fair", flag.ExitOnError)
	n := fs.Int("n", 1000000, "recipients of the big mailing")
	bigs := fs.Int("big", 1, "big mailings to the same recipients, due together")
	smallAfter := fs.Duration("small-after", 0, "make the small mailing due this long after the dispatch starts "+
		"(0: once the big runs sent their first messages)")
	rates := fs.String("rates", "0,10", "POSTRIDER_DISPATCH_RATE of each measure, comma-separated")
	out := fs.String("out", "bench/out", "work folder")
	benchkit.Must(fs.Parse(args))
	bin := benchkit.Build(*out, ".")
	work := filepath.Dir(bin)
	sinkPath, _ := postfixTools(work)
	seeded := filepath.Join(work, "fair_seed")
	benchkit.Must(os.RemoveAll(seeded))
	benchkit.Step(fmt.Sprintf("seeding a sender with %d clients, due, and another with 10", *n))
	due, err := seed.Mailing(seeded, *n)
	benchkit.Must(err)
	addBigCopies(seeded, due, *bigs-1)
	small := addSmallSender(seeded)

	sinkCmd, port := startSink(work, sinkPath)
	defer sinkCmd.Process.Kill()

	var rows []string
	for _, rate := range strings.Split(*rates, ",") {
		dataDir := filepath.Join(work, "fair_data")
		benchkit.Must(os.RemoveAll(dataDir))
		benchkit.Run(exec.Command("cp", "-r", seeded, dataDir))
		benchkit.Step("postrider dispatch, POSTRIDER_DISPATCH_RATE=" + rate + "; the small mailing falls due once the big run sends")
		cmd := exec.Command(bin, "dispatch", "--dir", dataDir)
		cmd.Env = append(sinkEnv(port, 20), "POSTRIDER_DISPATCH_RATE="+rate)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		benchkit.Must(cmd.Start())
		// the big run sends for a while first: 1,000 messages, or 20 at 10 a second
		after := 1000
		if rate != "0" {
			after = 20
		}
		if *smallAfter > 0 {
			after = 0
			time.Sleep(*smallAfter)
		}
		r := watchSmall(dataDir, small, after, 10*time.Minute)
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		label := "no rate limit"
		if rate != "0" {
			label = rate + " messages/s in all"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %d |", label, r.claimed.Sub(r.due).Round(10*time.Millisecond),
			r.finished.Sub(r.due).Round(10*time.Millisecond), r.bigSent))
	}
	fmt.Printf("\n| the 10-recipient run, due while %d run(s) of %d recipients send | due → claimed | due → done | the big runs' messages meanwhile |\n|---|---|---|---|\n", *bigs, *n)
	for _, r := range rows {
		fmt.Println(r)
	}
}

// addBigCopies adds copies of the seeded mailing, each with its own window
// due as the seeded one is: more big runs of the same recipients at once.
func addBigCopies(dataDir string, due seed.Due, copies int) {
	if copies <= 0 {
		return
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	mailing, err := app.FindRecordById("mailings", due.Mailing)
	benchkit.Must(err)
	window, err := app.FindRecordById("schedules", due.Schedule)
	benchkit.Must(err)
	for i := range copies {
		m := saveRecord(app, "mailings", map[string]any{"owner": mailing.Get("owner"), "subject": fmt.Sprintf("Seeded mailing %d", i+2),
			"body": mailing.Get("body"), "lists": mailing.Get("lists"), "status": "created"})
		saveRecord(app, "schedules", map[string]any{"mailing": m.Id, "starts_at": window.Get("starts_at"), "ends_at": window.Get("ends_at"),
			"period": "once", "next_run_at": window.Get("next_run_at")})
	}
}

// addSmallSender adds a second sender with 10 clients and a mailing to
// them, not yet scheduled; it returns the mailing's id.
func addSmallSender(dataDir string) string {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	users, err := app.FindCollectionByNameOrId("users")
	benchkit.Must(err)
	user := core.NewRecord(users)
	user.SetEmail("small@bench.test")
	user.SetPassword("a long password")
	user.SetVerified(true)
	user.Load(map[string]any{"role": "user", "timezone": "UTC", "name": "Small sender"})
	benchkit.Must(app.Save(user))
	var ids []string
	for i := range 10 {
		ids = append(ids, saveRecord(app, "clients", map[string]any{"owner": user.Id, "email": fmt.Sprintf("small%d@bench.test", i)}).Id)
	}
	return saveRecord(app, "mailings", map[string]any{"owner": user.Id, "subject": "Small news", "body": "<p>Hello</p>",
		"clients": ids, "status": "created"}).Id
}

func saveRecord(app core.App, collection string, data map[string]any) *core.Record {
	col, err := app.FindCollectionByNameOrId(collection)
	benchkit.Must(err)
	r := core.NewRecord(col)
	r.Load(data)
	benchkit.Must(app.Save(r))
	return r
}

type smallRun struct {
	due, claimed, finished time.Time
	bigSent                int // messages of the big run sent between due and finished
}

// watchSmall waits (a reader and writer beside the dispatcher) until the
// big run has sent after messages, makes the small mailing due now, and
// waits until its run is done.
func watchSmall(dataDir, mailing string, after int, timeout time.Duration) smallRun {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	deadline := time.Now().Add(timeout)
	poll := func(what string, done func() bool) {
		for !done() {
			if time.Now().After(deadline) {
				log.Fatalf("%s: not after %s", what, timeout)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var r smallRun
	poll("the big run sends", func() bool {
		var sent int
		app.DB().NewQuery(`SELECT COALESCE(SUM(sent), 0) FROM runs`).Row(&sent)
		return sent >= after
	})
	now := types.NowDateTime()
	r.due = now.Time()
	saveRecord(app, "schedules", map[string]any{"mailing": mailing, "starts_at": now, "ends_at": now.Add(time.Hour),
		"period": "once", "next_run_at": now})
	poll("the small run is done", func() bool {
		var row struct {
			Status   string         `db:"status"`
			Started  types.DateTime `db:"started_at"`
			Finished types.DateTime `db:"finished_at"`
		}
		err := app.DB().NewQuery(`SELECT status, started_at, finished_at FROM runs WHERE mailing = {:m}`).
			Bind(dbx.Params{"m": mailing}).One(&row)
		if err != nil || row.Status != "done" {
			return false
		}
		r.claimed, r.finished = row.Started.Time(), row.Finished.Time()
		return true
	})
	benchkit.Must(app.DB().NewQuery(`SELECT COUNT(*) FROM deliveries WHERE mailing != {:m} AND status = 'sent' AND sent_at BETWEEN {:a} AND {:b}`).
		Bind(dbx.Params{"m": mailing, "a": now.String(), "b": types.NowDateTime().String()}).Row(&r.bigSent))
	return r
}

func login(base string) string {
	res := post(base, "", "/api/collections/users/auth-with-password",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := res["token"].(string)
	return token
}

func post(base, token, path string, body any) map[string]any {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	benchkit.Must(err)
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		log.Fatalf("POST %s: %d %s", path, res.StatusCode, text)
	}
	var out map[string]any
	benchkit.Must(json.Unmarshal(text, &out))
	return out
}

// subjectSink is an SMTP server on loopback that notes when the first
// message of each subject was accepted.
type subjectSink struct {
	port  int
	mu    sync.Mutex
	first map[string]time.Time
	seen  chan struct{}
}

func newSubjectSink() *subjectSink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	benchkit.Must(err)
	s := &subjectSink{port: l.Addr().(*net.TCPAddr).Port, first: map[string]time.Time{}, seen: make(chan struct{}, 1)}
	srv := smtp.NewServer(s)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	go srv.Serve(l)
	return s
}

func (s *subjectSink) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{s}, nil }

func (s *subjectSink) wait(subject string, timeout time.Duration) time.Time {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		at, ok := s.first[subject]
		s.mu.Unlock()
		if ok {
			return at
		}
		select {
		case <-s.seen:
		case <-deadline:
			log.Fatalf("no message %q in %s", subject, timeout)
		}
	}
}

type sinkSession struct{ s *subjectSink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }
func (ss sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	at := time.Now()
	subject := msg.Header.Get("Subject")
	ss.s.mu.Lock()
	if _, ok := ss.s.first[subject]; !ok {
		ss.s.first[subject] = at
	}
	ss.s.mu.Unlock()
	select {
	case ss.s.seen <- struct{}{}:
	default:
	}
	return nil
}
