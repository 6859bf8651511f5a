package dispatch_test

import (
	"testing"
	"time"

	"postrider/dispatch"
)

// A `postrider dispatch` beside a running serve (which holds its lock for
// as long as it runs) records its outcomes gathering each batch first, so
// that serve's writes find SQLite's lock free between them; it sends and
// records every message once all the same. Without serve the lock is free.
func TestAPassBesideServeSendsEachMessageOnce(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(300)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if dispatch.ServeRunning(w.app.DataDir()) {
		t.Fatal("serve is said to run before any holds its lock")
	}
	release, err := dispatch.HoldServeLock(w.app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if !dispatch.ServeRunning(w.app.DataDir()) {
		t.Fatal("serve's lock is held, and serve is said not to run")
	}
	s := w.mustPass(dispatch.Options{Workers: 8})
	release()
	if dispatch.ServeRunning(w.app.DataDir()) {
		t.Error("serve's lock is let go, and serve is still said to run")
	}
	if s.Sent != 300 || len(w.smtp.Messages()) != 300 || len(w.smtp.PerRecipient()) != 300 {
		t.Fatalf("sent %d, the server got %d messages for %d recipients, want 300 each (%s)", s.Sent, len(w.smtp.Messages()), len(w.smtp.PerRecipient()), s)
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("status") != "sent" || d.GetString("sent_at") == "" {
			t.Fatalf("delivery to %s is %s (sent at %q), want sent", d.GetString("email"), d.GetString("status"), d.GetString("sent_at"))
		}
	}
}
