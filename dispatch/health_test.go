package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/config"
	"postrider/dispatch"
)

// A run whose refusals (held against the sender: a policy refusal) take
// its owner past the bounce limit stops the owner's other mailings at its
// end, as a report would.
func TestARunPastTheBounceLimitStopsItsOwnersMailings(t *testing.T) {
	w := newWorld(t)
	w.now = time.Now().UTC() // the deliveries' updated, which dates the refusals, is the real time
	w.smtp.OnRcpt = func(to string) error {
		if strings.HasPrefix(to, "c1") { // c1, c10…c19 of 60: 11 refusals
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Sender blocked by policy"}
		}
		return nil
	}
	// the week before: 1,000 messages of another mailing, which waits
	// for its next window
	other := w.mailing(nil, []string{w.clients("o", 1, "", nil)[0].Id})
	later := w.window(other, w.now.Add(24*time.Hour), w.now.Add(48*time.Hour), "once")
	w.save("runs", map[string]any{"owner": w.user.Id, "mailing": other.Id, "schedule": later.Id, "run_at": w.now.Add(-24 * time.Hour),
		"status": "done", "total": 1000, "sent": 1000, "started_at": w.now.Add(-24 * time.Hour)})
	m := w.listMailing(60)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	limits := config.Health{MaxComplaintRate: 0.003, MaxBounceRate: 0.01}
	if s := w.mustPass(dispatch.Options{Health: limits}); s.Sent != 49 || s.Failed != 11 {
		t.Fatalf("summary %s", s)
	}
	reason := "bounce rate 1.05 % over 7 days (11 hard bounces and refusals of 1,049 messages) passed the limit of 1 %"
	for _, r := range []string{other.Id, m.Id} {
		got, err := w.app.FindRecordById("mailings", r)
		if err != nil {
			t.Fatal(err)
		}
		if !got.GetBool("stopped") || !got.GetBool("auto_stopped") || got.GetString("stop_reason") != reason {
			t.Errorf("mailing %s: stopped %v, auto %v, reason %q", r, got.GetBool("stopped"), got.GetBool("auto_stopped"), got.GetString("stop_reason"))
		}
	}
	if n, err := w.app.CountRecords("moderation_log"); err != nil || n != 2 {
		t.Errorf("%d log rows (%v), want 2 auto_stop", n, err)
	}
	// the stopped mailing's next window sends nothing, nor does a mailing
	// made since, which stops at its run's start
	w.now = w.now.Add(25 * time.Hour)
	fresh := w.mailing(nil, []string{w.clients("n", 1, "", nil)[0].Id})
	w.window(fresh, w.now, w.now.Add(time.Hour), "once")
	if s := w.mustPass(dispatch.Options{Health: limits}); s.Sent+s.Failed != 0 || len(w.smtp.Messages()) != 49 {
		t.Errorf("an auto-stopped mailing sent: %s, %d messages in all", s, len(w.smtp.Messages()))
	}
	if got := w.reload(fresh); !got.GetBool("auto_stopped") || got.GetString("stop_reason") == "" {
		t.Errorf("the new mailing: stopped %v, auto %v, reason %q", got.GetBool("stopped"), got.GetBool("auto_stopped"), got.GetString("stop_reason"))
	}
}
