package dispatch

// End-to-end tests of the dispatcher against a misbehaving mail server and
// a full disk: the real binary, `postrider dispatch`, run pass after pass,
// with the copies each recipient got at the server checked against the
// deliveries table.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// tmpfs mounts a small file system of its own (size like "16m") for the
// test: a disk that can be filled. Mounting needs root (CI runs as root);
// elsewhere the test skips.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mounting a tmpfs for the full-disk test: %v (CI runs as root)", err)
		}
		t.Skipf("mounting a tmpfs needs root: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// copyDir copies the files of src (one level of folders deep is enough
// for a data dir) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fillDisk writes a file into dir until the file system has only room bytes
// left.
func fillDisk(t *testing.T, dir string, room int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	if free <= room {
		t.Fatalf("only %d bytes free, want more than %d", free, room)
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for left := free - room; left > 0; left -= int64(len(chunk)) {
		n := min(left, int64(len(chunk)))
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatalf("filling the disk: %v", err)
		}
	}
	return path
}

// A full disk: the pass stops before the first message, pass after pass,
// and says why on stderr; with room again everyone gets one message.
func TestAFullDiskSendsNothingUntilThereIsRoom(t *testing.T) {
	const clients = 300
	dir, _ := e2e.Seeded(t, clients)
	// the run is claimed with the server down: every message is pending
	if r := e2e.RunDispatch(t, e2e.SMTPEnv(e2e.FreePort(t), 0), dir); r.Code == 0 || !strings.Contains(r.Stdout, fmt.Sprintf("pending %d", clients)) {
		t.Fatalf("claiming with the server down:\n%s", r)
	}

	disk := tmpfs(t, "64m")
	data := filepath.Join(disk, "pb_data")
	copyDir(t, dir, data)
	filler := fillDisk(t, disk, 128<<10)

	srv := smtptest.Start(t)
	env := e2e.SMTPEnv(srv.Port, 4)
	for pass := 1; pass <= 3; pass++ {
		r := e2e.RunDispatch(t, env, data)
		t.Logf("pass %d on a full disk:\n%s", pass, r)
		if r.Code == 0 || !strings.Contains(r.Stderr, "database cannot be written") || strings.Contains(r.Stderr, "cannot reach") {
			t.Fatalf("pass %d on a full disk does not fail saying the database cannot be written:\n%s", pass, r)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("pass %d on a full disk: %d messages went out", pass, n)
		}
	}

	// the REST API on the same full disk answers a write with 507 saying
	// so, not a 400 that blames the request; with room again it saves
	serveEnv := e2e.SMTPEnv(srv.Port, 4)
	serveEnv["POSTRIDER_DISPATCH_CRON"] = "off" // only the command sends
	in := e2e.ServeAt(t, serveEnv, data)
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	last := fillUp(t, disk) // the room left is for the dispatcher's probe, more than a small write takes
	// a mailing with a body of 900 KB: more than the pages SQLite's log may
	// have left over from earlier writes, which take a small write
	owner := auth["record"].(map[string]any)["id"]
	var lists struct{ Items []struct{ ID string } }
	if in.Call("GET", "/api/collections/lists/records", token, nil, &lists); len(lists.Items) == 0 {
		t.Fatal("the seeded owner has no list")
	}
	mailing := map[string]any{"owner": owner, "subject": "Big news", "lists": []string{lists.Items[0].ID},
		"body": "<p>" + strings.Repeat("news ", 180000) + "</p>"}
	var answer struct{ Message string }
	if code := in.Call("POST", "/api/collections/mailings/records", token, mailing, &answer); code != 507 ||
		!strings.Contains(answer.Message, "disk is full") {
		t.Fatalf("a REST write on a full disk answered %d %q; want 507 saying the disk is full", code, answer.Message)
	}

	for _, f := range []string{filler, last} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	in.Must(200, "POST", "/api/collections/mailings/records", token, mailing)
	r := e2e.RunDispatch(t, env, data)
	if r.Code != 0 || !strings.Contains(r.Stdout, fmt.Sprintf("sent %d", clients)) {
		t.Fatalf("with room again:\n%s", r)
	}
	e2e.CheckEachOnce(t, srv.Messages(), clients)
	if c := e2e.CountDeliveries(t, e2e.OpenData(t, data)); c.Sent != clients || c.Pending != 0 {
		t.Errorf("deliveries: %+v; want all %d sent", c, clients)
	}
}

// fillUp writes a file into dir until the file system is full, and
// returns its path.
func fillUp(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "last-filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return path
		}
	}
}

// checkClient1 fails unless the delivery to client1 took attempts tries and
// its response says each of words.
func checkClient1(t *testing.T, app core.App, attempts int, words ...string) {
	t.Helper()
	d, err := app.FindFirstRecordByFilter("deliveries", "email = 'client1@example.test'")
	if err != nil {
		t.Fatal(err)
	}
	resp := d.GetString("response")
	for _, w := range words {
		if d.GetInt("attempts") != attempts || !strings.Contains(resp, w) {
			t.Errorf("client1's delivery: %d attempts, %q; want %d attempts and %q", d.GetInt("attempts"), resp, attempts, w)
		}
	}
}

// A server that keeps each message and answers 2 s after its final dot:
// the dispatcher waits for the reply (10 minutes by default) and every
// client gets one message; one that waits only 1 s does not send again in
// that pass, tries once more on the next, and then gives up saying why:
// two copies at most, one per timeout, never six.
func TestASlowReplyAfterTheMessageSendsNoStorm(t *testing.T) {
	const clients = 4
	srv := smtptest.Start(t)
	srv.SetFaults(smtptest.Faults{ReplyAfter: 2 * time.Second})

	t.Run("patient", func(t *testing.T) {
		dir, due := e2e.Seeded(t, clients)
		e2e.DispatchPasses(t, e2e.SMTPEnv(srv.Port, clients), dir, 1)
		e2e.CheckEachOnce(t, srv.Messages(), clients)
		e2e.CheckNotStopped(t, dir, due.Mailing)
	})

	t.Run("impatient", func(t *testing.T) {
		before := len(srv.Messages())
		dir, due := e2e.Seeded(t, clients)
		env := e2e.SMTPEnv(srv.Port, clients)
		env["POSTRIDER_SMTP_DATA_TIMEOUT"] = "1s"
		got := e2e.DispatchPasses(t, env, dir, 3)
		if !strings.Contains(got[0], "pending 4") || !strings.Contains(got[1], "failed 4") || !strings.Contains(got[2], "sent 0, failed 0") {
			t.Errorf("passes said %q; want 4 pending, then 4 failed, then nothing", got)
		}
		copies := e2e.PerRecipient(t, srv.Messages()[before:])
		for i := 1; i <= clients; i++ {
			if addr := fmt.Sprintf("client%d@example.test", i); copies[addr] != 2 {
				t.Errorf("%s got %d copies, want 2 (one per timeout)", addr, copies[addr])
			}
		}
		app := e2e.OpenData(t, dir)
		c := e2e.CountDeliveries(t, app)
		if c.Failed != clients {
			t.Errorf("deliveries: %+v; want all %d failed", c, clients)
		}
		checkClient1(t, app, 2, "no reply came", "may have arrived")
		e2e.CheckNotStopped(t, dir, due.Mailing)
	})
}

// A server that answers 421 to everything for a while: the pass retries
// after its back-off, leaves every message pending when the outage lasts,
// and the next pass, with the server back, sends everyone one message; the
// mailing is never stopped (it was stopped for good before).
func TestAnOutageStopsNothing(t *testing.T) {
	const clients = 200
	srv := smtptest.Start(t)
	dir, due := e2e.Seeded(t, clients)
	env := e2e.SMTPEnv(srv.Port, 0)
	srv.SetFaults(smtptest.Faults{Refuse421Until: time.Now().Add(time.Hour)})
	got := e2e.DispatchPasses(t, env, dir, 1)
	if !strings.Contains(got[0], fmt.Sprintf("sent 0, failed 0, pending %d", clients)) {
		t.Errorf("the pass during the outage said %q", got[0])
	}
	app := e2e.OpenData(t, dir)
	if m, _ := app.FindRecordById("mailings", due.Mailing); m == nil || m.GetBool("stopped") {
		t.Fatalf("the outage stopped the mailing")
	}
	app.ResetBootstrapState()

	srv.SetFaults(smtptest.Faults{})
	got = e2e.DispatchPasses(t, env, dir, 1)
	if !strings.Contains(got[0], fmt.Sprintf("sent %d, failed 0, pending 0", clients)) {
		t.Errorf("the pass after the outage said %q", got[0])
	}
	e2e.CheckEachOnce(t, srv.Messages(), clients)
	e2e.CheckNotStopped(t, dir, due.Mailing)
}

// 20 recipients over quota (451) among 40: they stay pending, tried again
// at each pass (their back-off is a millisecond here), never failed while
// their time lasts (5 days by default); once their mailboxes have room
// they get one message each, the others one each at the first pass, and
// the mailing never stops. The log says how many tries each took.
func TestOverQuotaRecipientsWaitWithoutStoppingTheMailing(t *testing.T) {
	const clients = 40
	srv := smtptest.Start(t)
	refuse := map[string]int{}
	for i := 1; i <= clients; i += 2 {
		refuse[fmt.Sprintf("client%d@example.test", i)] = 451
	}
	srv.SetFaults(smtptest.Faults{Refuse: refuse})
	dir, due := e2e.Seeded(t, clients)
	got := e2e.DispatchPasses(t, e2e.SMTPEnv(srv.Port, 0), dir, 3)
	srv.SetFaults(smtptest.Faults{})
	got = append(got, e2e.DispatchPasses(t, e2e.SMTPEnv(srv.Port, 0), dir, 1)...)
	want := []string{"sent 20, failed 0, pending 20", "sent 0, failed 0, pending 20", "sent 0, failed 0, pending 20",
		"sent 20, failed 0, pending 0"}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("pass %d said %q, want %q", i+1, got[i], want[i])
		}
	}
	e2e.CheckEachOnce(t, srv.Messages(), clients)
	tries := srv.Tries()
	for addr := range refuse {
		if tries[addr] < 4 {
			t.Errorf("%s was tried %d times, want at least once a pass", addr, tries[addr])
		}
	}
	app := e2e.OpenData(t, dir)
	var logged []struct {
		Email    string `db:"email"`
		Attempts int    `db:"attempts"`
	}
	if err := app.DB().NewQuery("SELECT email, attempts FROM deliveries").All(&logged); err != nil {
		t.Fatal(err)
	}
	for _, d := range logged {
		if d.Attempts != tries[d.Email] {
			t.Errorf("%s: the log says %d attempts, the server had %d", d.Email, d.Attempts, tries[d.Email])
		}
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}

// A server that cuts 1 in 50 connections in the middle of a message: the
// pass goes on without waiting, those messages (whose fate the dispatcher
// cannot know) go on the next pass, and everyone gets exactly one.
func TestConnectionsCutMidMessageLoseNothingAndRepeatNothing(t *testing.T) {
	const clients = 1000
	srv := smtptest.Start(t)
	srv.SetFaults(smtptest.Faults{DropEvery: 50})
	dir, due := e2e.Seeded(t, clients)
	got := e2e.DispatchPasses(t, e2e.SMTPEnv(srv.Port, 0), dir, 2)
	if !strings.Contains(got[0], fmt.Sprintf("sent %d, failed 0, pending %d", clients-clients/50, clients/50)) {
		t.Errorf("the first pass said %q; want %d sent and %d pending", got[0], clients-clients/50, clients/50)
	}
	e2e.CheckEachOnce(t, srv.Messages(), clients)
	app := e2e.OpenData(t, dir)
	if c := e2e.CountDeliveries(t, app); c.Sent != clients {
		t.Errorf("deliveries: %+v; want all %d sent", c, clients)
	}
	// a cut costs the message it cut and no other: the one begun ahead on
	// that connection went out on another at its first attempt
	var retried int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM deliveries WHERE attempts != 1").Row(&retried); err != nil {
		t.Fatal(err)
	}
	if retried != clients/50 {
		t.Errorf("%d deliveries took more than one attempt, want the %d cut", retried, clients/50)
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}

// BenchmarkDispatchUnderFaults measures one `postrider dispatch` pass of
// 20,000 messages through the tests' SMTP server, clean, with 1 in 100
// connections cut mid-message, and with 5 % of recipients answering 451,
// and reports each faulty rate as a ratio to the clean one of the same
// iteration (messages accepted per second of the whole process):
//
//	go test -run x -bench DispatchUnderFaults -benchtime 3x .
func BenchmarkDispatchUnderFaults(b *testing.B) {
	const clients = 20000
	srv := smtptest.Start(b)
	env := e2e.SMTPEnv(srv.Port, 0)
	greylisted := map[string]int{}
	for i := 1; i <= clients; i += 20 {
		greylisted[fmt.Sprintf("client%d@example.test", i)] = 451
	}
	rate := func(f smtptest.Faults) float64 {
		dir, _ := e2e.Seeded(b, clients)
		srv.SetFaults(f)
		before := len(srv.Messages())
		r := e2e.RunDispatch(b, env, dir)
		if r.Code != 0 {
			b.Fatalf("dispatch:\n%s", r)
		}
		return float64(len(srv.Messages())-before) / r.Took.Seconds()
	}
	var drops, greys, clean float64
	for range b.N {
		c := rate(smtptest.Faults{})
		d := rate(smtptest.Faults{DropEvery: 100})
		g := rate(smtptest.Faults{Refuse: greylisted})
		b.Logf("clean %.0f/s, 1%% cut %.0f/s (%.2f), 5%% 451 %.0f/s (%.2f)", c, d, d/c, g, g/c)
		clean, drops, greys = clean+c, drops+d/c, greys+g/c
	}
	b.ReportMetric(clean/float64(b.N), "clean-msg/s")
	b.ReportMetric(drops/float64(b.N), "ratio-1%-cut")
	b.ReportMetric(greys/float64(b.N), "ratio-5%-451")
}
