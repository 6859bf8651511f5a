package dispatch_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// clock is a test's own time: passes read it, the server's faults too.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// triesLog counts the server's RCPT TO per recipient.
type triesLog struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *triesLog) add(to string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[to]++
}

func (l *triesLog) of(to string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[to]
}

// A delivery refused for now is tried on a schedule of its own: never
// before its next try, whatever other windows fall due meanwhile, and
// until its time is up, when it fails with the server's last reply; the
// mailing goes on.
func TestATemporaryFailureIsTriedOnItsScheduleUntilItsTimeIsUp(t *testing.T) {
	w := newWorld(t)
	var tries triesLog
	w.smtp.OnRcpt = func(to string) error {
		tries.add(to)
		if to == "c0@example.org" {
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}
		}
		return nil
	}
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	// another sender's daily window: its passes fall due every day
	other := w.newUser("other@example.com", "UTC")
	otherList := w.save("lists", map[string]any{"owner": other.Id, "name": "O"})
	w.save("clients", map[string]any{"owner": other.Id, "email": "o@example.net", "lists": []string{otherList.Id}})
	om := w.save("mailings", map[string]any{"owner": other.Id, "subject": "Other", "body": "<p>o</p>", "lists": []string{otherList.Id}})
	w.window(om, w.now.Add(30*time.Second), w.now.Add(30*24*time.Hour), "daily")

	clk := &clock{now: w.now}
	opts := dispatch.Options{Now: clk.Now, RetryDelays: []time.Duration{time.Minute, 10 * time.Minute, time.Hour}, RetryFor: 3 * time.Hour}
	w.mustPass(opts)
	if tries.of("c0@example.org") != 1 || tries.of("c1@example.org") != 1 {
		t.Fatalf("first pass: tries %v", tries.n)
	}
	// the other sender's window falls due before c0's next try: its pass
	// sends it and leaves c0 alone
	clk.set(w.now.Add(30 * time.Second))
	if s := w.mustPass(opts); s.Sent != 1 || tries.of("c0@example.org") != 1 {
		t.Fatalf("another window's pass: %s, c0 tried %d times", s, tries.of("c0@example.org"))
	}
	// then c0 at its times: +1 min, +10 min, +1 h, +1 h, and the last at 3 h
	wantAt := []time.Duration{time.Minute, 11 * time.Minute, 71 * time.Minute, 131 * time.Minute, 180 * time.Minute}
	for i, at := range wantAt {
		run := w.runOf(m)
		next := run.GetDateTime("next_try_at").Time()
		if !next.Equal(w.now.Add(at)) {
			t.Fatalf("before try %d: the run's next try is %s, want %s", i+2, next, w.now.Add(at))
		}
		if !strings.Contains(run.GetString("note"), "tried again from "+next.Format(time.DateTime)+" UTC") {
			t.Errorf("note %q does not say when", run.GetString("note"))
		}
		clk.set(next.Add(-time.Second))
		w.mustPass(opts)
		if got := tries.of("c0@example.org"); got != i+1 {
			t.Fatalf("a second before try %d: c0 tried %d times", i+2, got)
		}
		clk.set(next)
		w.mustPass(opts)
		if got := tries.of("c0@example.org"); got != i+2 {
			t.Fatalf("at its time: c0 tried %d times, want %d", got, i+2)
		}
	}
	d := w.deliveries(m)[0]
	if d.GetString("email") != "c0@example.org" {
		d = w.deliveries(m)[1]
	}
	resp := d.GetString("response")
	if d.GetString("status") != "failed" || d.GetInt("attempts") != 6 || !strings.Contains(resp, "after 6 attempts") ||
		!strings.Contains(resp, "tried for 3 hours since the run began") || !strings.Contains(resp, "Mailbox full") {
		t.Fatalf("c0: %s after %d attempts: %q", d.GetString("status"), d.GetInt("attempts"), resp)
	}
	if run := w.runOf(m); run.GetString("status") != "done" || run.GetString("next_try_at") != "" {
		t.Fatalf("run %s, next try %q", run.GetString("status"), run.GetString("next_try_at"))
	}
	if w.reload(m).GetBool("stopped") {
		t.Fatal("temporary failures stopped the mailing")
	}
}

// The fault matrix's storm: a server that answers 421 to every message
// for an hour, while another sender's windows fall due every minute. Each
// message is tried at its own back-off (the default one), none faster for
// the other windows' passes, and once the storm is over every recipient
// has exactly one message; nothing failed, nothing was stopped.
func TestA421StormOfAnHourEndsWithEveryMessageDeliveredOnce(t *testing.T) {
	const clients = 20
	w := newWorld(t)
	clk := &clock{now: w.now}
	stormEnds := w.now.Add(time.Hour)
	var tries triesLog
	w.smtp.OnRcpt = func(to string) error {
		tries.add(to)
		if clk.Now().Before(stormEnds) {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many messages, try again later"}
		}
		return nil
	}
	m := w.listMailing(clients)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	// another sender with a window falling due every minute
	u := w.newUser("other@example.com", "UTC")
	l := w.save("lists", map[string]any{"owner": u.Id, "name": "L"})
	w.save("clients", map[string]any{"owner": u.Id, "email": "o@example.net", "lists": []string{l.Id}})
	om := w.save("mailings", map[string]any{"owner": u.Id, "subject": "Other", "body": "<p>o</p>", "lists": []string{l.Id}})
	for k := 1; k <= 80; k++ {
		at := w.now.Add(time.Duration(k) * time.Minute)
		w.window(om, at, at.Add(time.Second), "once")
	}
	// the default back-off, without the two short ones a pass waits out
	// itself (real seconds, which this test's clock does not follow)
	opts := dispatch.Options{Now: clk.Now, RetryDelays: []time.Duration{30 * time.Second, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour}}
	for t0 := w.now; !t0.After(w.now.Add(80 * time.Minute)); t0 = t0.Add(time.Minute) {
		clk.set(t0)
		w.mustPass(opts)
	}
	// tried by the first pass at or after each next try: at 0, 1 min, 3,
	// 8, 18, 38 (all in the storm) and 78 min, once each: never sooner for
	// the 80 passes the other windows made
	for i := range clients {
		to := "c" + strconv.Itoa(i) + "@example.org"
		if got := tries.of(to); got != 7 {
			t.Errorf("%s tried %d times, want 7", to, got)
		}
	}
	got := w.smtp.PerRecipient()
	for i := range clients {
		if to := "c" + strconv.Itoa(i) + "@example.org"; got[to] != 1 {
			t.Errorf("%s got %d messages", to, got[to])
		}
	}
	if got["o@example.net"] > 80 {
		t.Errorf("the other sender's 80 windows sent %d messages", got["o@example.net"])
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("status") != "sent" || d.GetInt("attempts") != 7 {
			t.Errorf("%s: %s after %d attempts", d.GetString("email"), d.GetString("status"), d.GetInt("attempts"))
		}
	}
	if w.reload(m).GetBool("stopped") || w.runOf(m).GetString("status") != "done" {
		t.Fatal("the storm stopped the mailing or left its run open")
	}
}

// A connection cut after the whole message is tried again at its next
// try, not by the next pass that happens to run.
func TestACutMessageWaitsForItsNextTry(t *testing.T) {
	w := newWorld(t)
	w.smtp.SetFaults(smtptest.Faults{DropEvery: 1})
	m := w.listMailing(1)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	clk := &clock{now: w.now}
	opts := dispatch.Options{Now: clk.Now, RetryDelays: []time.Duration{time.Minute}}
	w.mustPass(opts)
	w.smtp.SetFaults(smtptest.Faults{})
	if s := w.mustPass(opts); s.Sent != 0 || s.Pending != 1 {
		t.Fatalf("before its next try: %s", s)
	}
	clk.set(w.now.Add(time.Minute))
	if s := w.mustPass(opts); s.Sent != 1 {
		t.Fatalf("at its next try: %s", s)
	}
}
