package dispatch_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/dispatch"
)

// anyAddress finds an email address in a run's note.
var anyAddress = regexp.MustCompile(`[^\s<>()]+@[^\s<>()]+`)

// A run's note is read by moderators, who never see a client: a server's
// reply quoted there keeps its words but not the address it names.
func TestARunsNoteNamesNoRecipient(t *testing.T) {
	t.Run("paused by refusals", func(t *testing.T) {
		w := newWorld(t)
		w.smtp.OnRcpt = func(to string) error {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
				Message: "<" + to + ">: Recipient address rejected: User unknown in local recipient table"}
		}
		m := w.listMailing(30)
		w.window(m, w.now, w.now.Add(time.Hour), "once")
		w.mustPass(dispatch.Options{})

		run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
		if err != nil {
			t.Fatal(err)
		}
		note := run.GetString("note")
		if run.GetString("status") != "paused" || !strings.Contains(note, "User unknown in local recipient table") {
			t.Fatalf("run %s: %q, want paused with the server's reply", run.GetString("status"), note)
		}
		if a := anyAddress.FindString(note); a != "" {
			t.Fatalf("the paused run's note names %s: %q", a, note)
		}
	})
	t.Run("left for a later pass", func(t *testing.T) {
		w := newWorld(t)
		w.smtp.OnRcpt = func(to string) error {
			if to == "c1@example.org" {
				return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "<" + to + ">: Mailbox full"}
			}
			return nil
		}
		m := w.listMailing(3)
		w.window(m, w.now, w.now.Add(time.Hour), "once")
		if s := w.mustPass(dispatch.Options{}); s.Pending != 1 {
			t.Fatalf("%s, want c1@ pending", s)
		}
		run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
		if err != nil {
			t.Fatal(err)
		}
		note := run.GetString("note")
		if !strings.Contains(note, "Mailbox full") {
			t.Fatalf("run %s: %q, want the server's reply", run.GetString("status"), note)
		}
		if a := anyAddress.FindString(note); a != "" {
			t.Fatalf("the run's note names %s: %q", a, note)
		}
	})
}
