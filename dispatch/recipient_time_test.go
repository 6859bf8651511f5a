package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/dispatch"
	"postrider/internal/schedule"
)

// A daily 09:00 window sent at each recipient's own time, its owner in
// UTC, walked through with a moving clock: each client gets each
// occurrence at 09:00 in its own zone (the owner's where it has none),
// once, and only while that moment is inside the window; a temporary
// failure is tried again from the client's moment on, long after the
// run was claimed.
func TestRecipientTimeSendsEachAtItsOwnNineOClock(t *testing.T) {
	w := newWorld(t)
	utc := func(d, h int) time.Time { return time.Date(2027, 3, d, h, 0, 0, 0, time.UTC) }
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "World"})
	for _, c := range []struct{ email, tz string }{
		{"k@example.org", "Pacific/Kiritimati"},  // UTC+14
		{"l@example.org", "Australia/Lord_Howe"}, // UTC+11 in March
		{"n@example.org", ""},                    // the owner's: UTC
		{"p@example.org", "Pacific/Pago_Pago"},   // UTC−11
	} {
		w.save("clients", map[string]any{"owner": w.user.Id, "email": c.email, "timezone": c.tz, "lists": []string{list.Id}})
	}
	m := w.mailing([]string{list.Id}, nil)
	start, end := utc(1, 9), utc(2, 20).Add(30*time.Minute)
	w.save("schedules", map[string]any{
		"mailing": m.Id, "starts_at": start, "ends_at": end, "period": "daily", "recipient_time": true,
		"next_run_at": schedule.FirstRecipient(start, time.UTC), // as the API leaves it
	})
	first := true
	w.smtp.OnRcpt = func(to string) error {
		if to == "p@example.org" && first {
			first = false
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}
		}
		return nil
	}
	clk := &clock{}
	// a give-up clock counted from the claim (28 Feb 19:00) would fail p's
	// first occurrence at once, 25 hours later
	opts := dispatch.Options{Now: clk.Now, RetryDelays: []time.Duration{10 * time.Minute}, RetryFor: 2 * time.Hour}
	// each message at its moment: Kiritimati's and Lord Howe's 1 March
	// 09:00 come before the window starts, n's 3 March after it ends
	sends := []struct {
		at    time.Time
		to    string
		fails bool // a temporary refusal: tried again 10 minutes later
	}{
		{utc(1, 9), "n@example.org", false},                        // 1 Mar 09:00 UTC
		{utc(1, 19), "k@example.org", false},                       // 2 Mar 09:00 +14
		{utc(1, 20), "p@example.org", true},                        // 1 Mar 09:00 −11: 452
		{utc(1, 20).Add(10 * time.Minute), "p@example.org", false}, // tried again
		{utc(1, 22), "l@example.org", false},                       // 2 Mar 09:00 +11
		{utc(2, 9), "n@example.org", false},                        // 2 Mar
		{utc(2, 19), "k@example.org", false},                       // 3 Mar 09:00 +14, inside the window still
		{utc(2, 20), "p@example.org", false},                       // 2 Mar 09:00 −11
	}
	got := map[string]int{}
	clk.set(schedule.FirstRecipient(start, time.UTC))
	w.mustPass(opts)
	for _, s := range sends {
		clk.set(s.at.Add(-time.Second))
		w.mustPass(opts)
		if per := w.smtp.PerRecipient(); !sameCounts(per, got) {
			t.Fatalf("a second before %s: got %v, want %v", s.at, per, got)
		}
		clk.set(s.at)
		w.mustPass(opts)
		if !s.fails {
			got[s.to]++
		}
		if per := w.smtp.PerRecipient(); !sameCounts(per, got) {
			for _, d := range w.deliveries(m) {
				t.Logf("%s %s %s %d %s next %s", d.GetString("email"), d.GetString("run_at"), d.GetString("status"), d.GetInt("attempts"), d.GetString("response"), d.GetString("next_try_at"))
			}
			rs, _ := w.app.FindRecordsByFilter("runs", "mailing = {:m}", "run_at", 0, 0, map[string]any{"m": m.Id})
			for _, r := range rs {
				t.Logf("run %s %s next %s note %s", r.GetString("run_at"), r.GetString("status"), r.GetString("next_try_at"), r.GetString("note"))
			}
			t.Fatalf("at %s: got %v, want %v", s.at, per, got)
		}
	}
	for _, at := range []time.Time{utc(3, 9), utc(4, 9)} {
		clk.set(at)
		w.mustPass(opts)
	}
	if per := w.smtp.PerRecipient(); !sameCounts(per, got) {
		t.Fatalf("after the window: got %v, want %v", per, got)
	}
	// the log: each sent delivery at its own moment, the two outside the
	// window skipped saying why, and all three runs done
	var skipped []string
	for _, d := range w.deliveries(m) {
		switch d.GetString("status") {
		case "failed":
			if d.GetString("response") != dispatch.SkippedOutsideWindow || d.GetInt("attempts") != 0 {
				t.Errorf("%s failed: %q", d.GetString("email"), d.GetString("response"))
			}
			skipped = append(skipped, d.GetString("email"))
		case "sent":
			if at := d.GetDateTime("run_at").Time(); at.Before(start) || at.After(end) {
				t.Errorf("%s sent for %s, outside the window", d.GetString("email"), at)
			}
		default:
			t.Errorf("%s left %s", d.GetString("email"), d.GetString("status"))
		}
	}
	if strings.Join(skipped, " ") != "k@example.org l@example.org l@example.org n@example.org p@example.org" {
		t.Errorf("skipped outside the window: %v", skipped)
	}
	runs, err := w.app.FindRecordsByFilter("runs", "mailing = {:m}", "run_at", 0, 0, map[string]any{"m": m.Id})
	if err != nil || len(runs) != 3 {
		t.Fatalf("%d runs: %v", len(runs), err)
	}
	for _, r := range runs {
		if r.GetString("status") != "done" {
			t.Errorf("run of %s: %s (%s)", r.GetDateTime("run_at"), r.GetString("status"), r.GetString("note"))
		}
	}
}

// sameCounts compares messages per recipient, ignoring zeros.
func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
