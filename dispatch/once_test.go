package dispatch_test

import (
	"testing"
	"time"

	"postrider/dispatch"
)

// A daily mailing sent once per client: each day reaches only those who
// joined since, a client skipped as bouncing gets it once cleared, and the
// reach counts only who has not had it.
func TestAMailingSentOncePerClientReachesNewcomersOnly(t *testing.T) {
	w := newWorld(t)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "Welcome"})
	w.clients("first", 2, list.Id, nil)
	bouncing := w.clients("bouncing", 1, list.Id, map[string]any{"bouncing": true})[0]
	m := w.mailing([]string{list.Id}, nil)
	m.Set("once_per_client", true)
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	w.window(m, w.now, w.now.Add(3*day), "daily")
	at := func(d time.Duration) dispatch.Summary {
		return w.mustPass(dispatch.Options{Now: func() time.Time { return w.now.Add(d) }})
	}

	if s := at(time.Minute); s.Sent != 2 {
		t.Fatalf("day 1: %s, want the 2 first clients", s)
	}
	w.clients("joined", 1, list.Id, nil)
	bouncing.Set("bouncing", false)
	if err := w.app.Save(bouncing); err != nil {
		t.Fatal(err)
	}
	if n, err := dispatch.CountRecipients(w.app, w.reload(m)); err != nil || n != 2 {
		t.Fatalf("reach before day 2: %d, %v; want the newcomer and the cleared client", n, err)
	}
	if s := at(day + time.Minute); s.Sent != 2 {
		t.Fatalf("day 2: %s, want the newcomer and the cleared client", s)
	}
	if s := at(2*day + time.Minute); s.Sent != 0 {
		t.Fatalf("day 3: %s, want nobody: everyone has had it", s)
	}
	got := map[string]int{}
	for _, r := range w.smtp.Messages() {
		got[r.To[0]]++
	}
	for _, addr := range []string{"first0@example.org", "first1@example.org", "joined0@example.org", "bouncing0@example.org"} {
		if got[addr] != 1 {
			t.Errorf("%s got %d messages, want 1", addr, got[addr])
		}
	}
}
