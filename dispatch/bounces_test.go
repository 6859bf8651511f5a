package dispatch_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

const day = 24 * time.Hour

// bounceWorld is a world with a daily mailing to one list of good0@ and
// bad0@, whose passes run a day apart.
type bounceWorld struct {
	*world
	mailing *core.Record
	bad     *core.Record
	days    int
}

func newBounceWorld(t *testing.T) *bounceWorld {
	w := newWorld(t)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.clients("good", 1, list.Id, nil)
	bad := w.clients("bad", 1, list.Id, nil)[0]
	m := w.mailing([]string{list.Id}, nil)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(30*day), "daily")
	return &bounceWorld{world: w, mailing: m, bad: bad}
}

// refuse makes the server answer RCPT TO for bad0@ with code (0: accept).
func (b *bounceWorld) refuse(code int) {
	b.smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"bad0@example.org": code}})
}

// nextRun runs the pass of the next day's occurrence and returns the
// delivery to bad0@ it wrote.
func (b *bounceWorld) nextRun(opts dispatch.Options) *core.Record {
	b.t.Helper()
	at := b.now.Add(time.Duration(b.days) * day)
	b.days++
	opts.Now = func() time.Time { return at }
	b.mustPass(opts)
	runs, err := b.app.FindRecordsByFilter("runs", "mailing = {:m}", "-run_at", 1, 0, map[string]any{"m": b.mailing.Id})
	if err != nil || len(runs) != 1 {
		b.t.Fatalf("the run of day %d: %v", b.days, err)
	}
	d, err := b.app.FindFirstRecordByFilter("deliveries", "run = {:r} && client = {:c}", map[string]any{"r": runs[0].Id, "c": b.bad.Id})
	if err != nil {
		b.t.Fatalf("no delivery to bad0@ in the run of day %d: %v", b.days, err)
	}
	return d
}

// streak is bad0@'s mark and counter as stored.
func (b *bounceWorld) streak() (bouncing bool, bounces int) {
	c := b.reload(b.bad)
	return c.GetBool("bouncing"), c.GetInt("bounces")
}

func (b *bounceWorld) wantStreak(bouncing bool, bounces int) {
	b.t.Helper()
	if gotB, gotN := b.streak(); gotB != bouncing || gotN != bounces {
		b.t.Fatalf("after day %d: bouncing %v with %d bounces in a row, want %v with %d", b.days, gotB, gotN, bouncing, bounces)
	}
}

func TestBouncingClientsAreSkipped(t *testing.T) {
	b := newBounceWorld(t)
	b.refuse(550)
	for i := 1; i <= 3; i++ {
		d := b.nextRun(dispatch.Options{})
		if d.GetString("status") != "failed" || d.GetInt("attempts") != 1 {
			t.Fatalf("day %d: bad0@ %s after %d attempts: %q", i, d.GetString("status"), d.GetInt("attempts"), d.GetString("response"))
		}
		b.wantStreak(i == 3, i)
	}
	if n, err := dispatch.CountRecipients(b.app, b.mailing); err != nil || n != 1 {
		t.Fatalf("the mailing reaches %d (%v), want 1: the bouncing client is not counted", n, err)
	}

	// the fourth run skips it: logged, with why, and nothing reaches the server
	tries := b.smtp.Tries()["bad0@example.org"]
	d := b.nextRun(dispatch.Options{})
	if d.GetString("status") != "failed" || d.GetString("response") != dispatch.SkippedBouncing || d.GetInt("attempts") != 0 {
		t.Fatalf("day 4: bad0@ %s after %d attempts: %q, want skipped", d.GetString("status"), d.GetInt("attempts"), d.GetString("response"))
	}
	if got := b.smtp.Tries()["bad0@example.org"]; got != tries {
		t.Fatalf("the server was asked to take bad0@ %d times more on day 4", got-tries)
	}
	if got := b.smtp.PerRecipient()["good0@example.org"]; got != 4 {
		t.Fatalf("good0@ got %d messages in four days, want 4", got)
	}
	b.wantStreak(true, 3) // a skip is no bounce
	run, err := b.app.FindRecordById("runs", d.GetString("run"))
	if err != nil {
		t.Fatal(err)
	}
	if run.GetString("status") != "done" || run.GetInt("total") != 2 || run.GetInt("sent") != 1 || run.GetInt("failed") != 1 {
		t.Fatalf("day 4's run: %s, %d sent and %d failed of %d", run.GetString("status"), run.GetInt("sent"), run.GetInt("failed"), run.GetInt("total"))
	}
}

func TestASentMessageResetsTheBounceStreak(t *testing.T) {
	b := newBounceWorld(t)
	b.refuse(550)
	b.nextRun(dispatch.Options{})
	b.nextRun(dispatch.Options{})
	b.wantStreak(false, 2)
	b.refuse(0)
	if d := b.nextRun(dispatch.Options{}); d.GetString("status") != "sent" {
		t.Fatalf("day 3: %s %q", d.GetString("status"), d.GetString("response"))
	}
	b.wantStreak(false, 0)
	b.refuse(550)
	b.nextRun(dispatch.Options{})
	b.nextRun(dispatch.Options{})
	b.wantStreak(false, 2) // two in a row again, not four
}

func TestFailuresThatAreNotRefusalsAreNoBounces(t *testing.T) {
	b := newBounceWorld(t)
	b.refuse(451) // over quota: tried until its time is up, the next day
	for range 3 {
		b.nextRun(dispatch.Options{RetryFor: time.Minute})
	}
	ds, err := b.app.FindRecordsByFilter("deliveries", "client = {:c}", "run_at", 0, 0, map[string]any{"c": b.bad.Id})
	if err != nil || len(ds) != 3 {
		t.Fatalf("deliveries to bad0@: %d, %v", len(ds), err)
	}
	for _, d := range ds[:2] {
		if d.GetString("status") != "failed" || !strings.Contains(d.GetString("response"), "tried for 1m0s since the run began") {
			t.Fatalf("bad0@ %s %q, want failed once its time was up", d.GetString("status"), d.GetString("response"))
		}
	}
	b.wantStreak(false, 0)
}

func TestTheOwnerClearsTheMarkAndTheNextRunSends(t *testing.T) {
	b := newBounceWorld(t)
	b.refuse(550)
	for range 3 {
		b.nextRun(dispatch.Options{})
	}
	b.wantStreak(true, 3)

	c := b.reload(b.bad)
	c.Set("bouncing", false)
	if err := b.app.Save(c); err != nil {
		t.Fatal(err)
	}
	b.wantStreak(false, 0) // cleared: a new streak starts
	b.refuse(0)
	if d := b.nextRun(dispatch.Options{}); d.GetString("status") != "sent" {
		t.Fatalf("after the mark was cleared: %s %q", d.GetString("status"), d.GetString("response"))
	}
	if got := b.smtp.PerRecipient()["bad0@example.org"]; got != 1 {
		t.Fatalf("bad0@ got %d messages, want 1", got)
	}
	b.refuse(550)
	b.nextRun(dispatch.Options{})
	b.wantStreak(false, 1)
}

func TestAClientMarkedWhileItsRunWaitsIsSkippedWhenItResumes(t *testing.T) {
	b := newBounceWorld(t)
	// the server is down: the run is claimed and its deliveries wait
	b.smtp.SetFaults(smtptest.Faults{Refuse421Until: time.Now().Add(time.Hour)})
	if s, _ := b.pass(dispatch.Options{}); s.Pending != 2 {
		t.Fatalf("with the server refusing everyone with 421: %s, want both pending", s)
	}
	// meanwhile another mailing's refusals mark bad0@
	if _, err := b.app.DB().NewQuery("UPDATE clients SET bouncing = TRUE, bounces = 3 WHERE id = {:id}").
		Bind(map[string]any{"id": b.bad.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	b.smtp.SetFaults(smtptest.Faults{})
	b.mustPass(dispatch.Options{})
	d, err := b.app.FindFirstRecordByFilter("deliveries", "client = {:c}", map[string]any{"c": b.bad.Id})
	if err != nil {
		t.Fatal(err)
	}
	if d.GetString("status") != "failed" || d.GetString("response") != dispatch.SkippedBouncing {
		t.Fatalf("bad0@ %s %q, want skipped as bouncing", d.GetString("status"), d.GetString("response"))
	}
	if got := b.smtp.PerRecipient(); got["bad0@example.org"] != 0 || got["good0@example.org"] != 1 {
		t.Fatalf("the server got %v, want one message to good0@ only", got)
	}
}

func TestARefusalIsCountedOnceWhenItsRunTakesSeveralPasses(t *testing.T) {
	b := newBounceWorld(t)
	// good0@ is over quota: the run stays open for a later pass
	b.smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"bad0@example.org": 550, "good0@example.org": 451}})
	if s := b.mustPass(dispatch.Options{}); s.Pending != 1 || s.Failed != 1 {
		t.Fatalf("first pass: %s, want good0@ pending and bad0@ refused", s)
	}
	b.wantStreak(false, 1)
	b.mustPass(dispatch.Options{})
	if tries := b.smtp.Tries()["good0@example.org"]; tries < 4 {
		t.Fatalf("good0@ was tried %d times, want a second pass of the run", tries)
	}
	b.wantStreak(false, 1)
}

// TestOnlyARefusalOfTheAddressCountsAsABounce: a server refusing bad0@ for
// good, three days running, marks it bouncing only when it refused the
// mailbox itself at RCPT TO; a refusal of the message (after DATA), of the
// sender, for policy or for syntax fails the delivery, saying so, and leaves
// the address alone.
func TestOnlyARefusalOfTheAddressCountsAsABounce(t *testing.T) {
	code := func(c, s, d int) smtp.EnhancedCode { return smtp.EnhancedCode{c, s, d} }
	for _, c := range []struct {
		name     string
		atData   bool // refused after the message, else at RCPT TO
		reply    smtp.SMTPError
		bouncing bool
	}{
		{"no such user", false, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 1, 1), Message: "<bad0@example.org>: Recipient address rejected: User unknown"}, true},
		{"bare 550", false, smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode, Message: "Mailbox unavailable"}, true},
		{"bare 553", false, smtp.SMTPError{Code: 553, EnhancedCode: smtp.NoEnhancedCode, Message: "Mailbox name not allowed"}, true},
		{"mailbox disabled", false, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 2, 1), Message: "Mailbox disabled"}, true},
		{"no such domain", false, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 1, 2), Message: "Host not found"}, true},
		{"address syntax", false, smtp.SMTPError{Code: 501, EnhancedCode: code(5, 1, 3), Message: "Bad recipient address syntax"}, false},
		{"sender not verified at RCPT", false, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 7, 1), Message: "Sender address not verified"}, false},
		{"sender rejected at RCPT", false, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 1, 0), Message: "<news@postrider.test>: Sender address rejected"}, false},
		{"mailbox full", false, smtp.SMTPError{Code: 552, EnhancedCode: code(5, 2, 2), Message: "Mailbox full"}, false},
		{"sender not verified at DATA", true, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 7, 1), Message: "sender address not verified"}, false},
		{"too long a line", true, smtp.SMTPError{Code: 554, EnhancedCode: smtp.NoEnhancedCode, Message: "too long a line"}, false},
		{"content", true, smtp.SMTPError{Code: 554, EnhancedCode: code(5, 6, 0), Message: "Message content rejected"}, false},
		{"no such user after DATA", true, smtp.SMTPError{Code: 550, EnhancedCode: code(5, 1, 1), Message: "User unknown"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBounceWorld(t)
			reply := c.reply
			if c.atData {
				b.smtp.OnData = func(m smtptest.Message) error {
					if slices.Contains(m.To, "bad0@example.org") {
						return &reply
					}
					return nil
				}
			} else {
				b.smtp.OnRcpt = func(to string) error {
					if to == "bad0@example.org" {
						return &reply
					}
					return nil
				}
			}
			var logged []*core.Record
			for range 3 {
				logged = append(logged, b.nextRun(dispatch.Options{}))
			}
			if bouncing, _ := b.streak(); bouncing != c.bouncing {
				t.Fatalf("after three refusals %q: bad0@ bouncing %v, want %v", reply.Error(), bouncing, c.bouncing)
			}
			for day, d := range logged {
				resp := d.GetString("response")
				if d.GetString("status") != "failed" || !strings.Contains(resp, reply.Message) {
					t.Fatalf("day %d: bad0@ %s %q, want failed with the server's reply", day+1, d.GetString("status"), resp)
				}
				if held := !strings.Contains(resp, "not held against the address"); held != c.bouncing {
					t.Fatalf("day %d: the log says %q", day+1, resp)
				}
			}
			if got := b.smtp.PerRecipient()["good0@example.org"]; got != 3 {
				t.Fatalf("good0@ got %d messages in three days, want 3", got)
			}
		})
	}
}
