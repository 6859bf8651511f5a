package dispatch_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// relayRow adds a relay to the test SMTP server srv.
func (w *world) relayRow(name string, srv *smtptest.Server, connections int, enabled bool) {
	w.t.Helper()
	w.save("relays", map[string]any{
		"name": name, "host": srv.Host, "port": srv.Port, "tls": "none",
		"connections": connections, "weight": 1, "enabled": enabled,
	})
}

// concurrency counts the messages a server holds at once (one a
// connection, so no more than the connections open to it).
type concurrency struct {
	mu        sync.Mutex
	now, peak int
}

func (c *concurrency) hook(srv *smtptest.Server) {
	srv.OnData = func(smtptest.Message) error {
		c.mu.Lock()
		c.now++
		c.peak = max(c.peak, c.now)
		c.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		c.mu.Lock()
		c.now--
		c.mu.Unlock()
		return nil
	}
}

// checkRelays fails unless every delivery of m was sent once, by the relay
// named, whose server holds its message, and each server got only those.
func (w *world) checkRelays(m interface{ GetString(string) string }, servers map[string]*smtptest.Server) map[string]int {
	w.t.Helper()
	held := map[string]map[string]int{}
	for name, srv := range servers {
		held[name] = srv.PerRecipient()
	}
	by := map[string]int{}
	ds, err := w.app.FindRecordsByFilter("deliveries", "mailing = {:m}", "email", 0, 0, map[string]any{"m": m.GetString("id")})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, d := range ds {
		email, relay := d.GetString("email"), d.GetString("relay")
		by[relay]++
		if d.GetString("status") != "sent" || held[relay][email] != 1 {
			w.t.Errorf("%s: %s by %q, which holds %d messages for it", email, d.GetString("status"), relay, held[relay][email])
		}
		for name := range servers {
			if name != relay && held[name][email] != 0 {
				w.t.Errorf("%s also went through %s", email, name)
			}
		}
	}
	return by
}

// The settings' server and the enabled relays share the messages, each
// relay within its connection limit; a disabled relay gets nothing.
func TestMessagesSpreadOverTheRelaysWithinTheirConnections(t *testing.T) {
	w := newWorld(t)
	b, off := smtptest.Start(t), smtptest.Start(t)
	var onA, onB concurrency
	onA.hook(w.smtp)
	onB.hook(b)
	w.relayRow("b", b, 3, true)
	w.relayRow("off", off, 3, false)
	m := w.listMailing(300)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if s := w.mustPass(dispatch.Options{Workers: 2}); s.Sent != 300 {
		t.Fatalf("summary %s", s)
	}
	nameA := w.smtp.Addr()
	by := w.checkRelays(m, map[string]*smtptest.Server{nameA: w.smtp, "b": b, "off": off})
	t.Logf("by relay %v; at once: A %d, B %d", by, onA.peak, onB.peak)
	if by[nameA] == 0 || by["b"] == 0 || by["off"] != 0 || len(off.Messages()) != 0 {
		t.Errorf("by relay %v: want both enabled relays, not the disabled one", by)
	}
	if onA.peak > 2 || onB.peak > 3 {
		t.Errorf("messages at once: A %d (2 connections), B %d (3 connections)", onA.peak, onB.peak)
	}
	if onB.peak < 2 {
		t.Errorf("B never had two messages at once: its connections are not used")
	}
}

// A relay that answers every message with a temporary refusal is set
// aside and the other carries the messages, each sent once.
func TestARelayRefusingEverythingIsSetAside(t *testing.T) {
	w := newWorld(t)
	b := smtptest.Start(t)
	w.relayRow("b", b, 2, true)
	settings := w.app.Settings()
	settings.Logs.MaxDays = 1 // the test app keeps no logs otherwise
	if err := w.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	m := w.listMailing(100)
	refuse := map[string]int{}
	for i := range 100 {
		refuse[fmt.Sprintf("c%d@example.org", i)] = 451
	}
	b.SetFaults(smtptest.Faults{Refuse: refuse})
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	for pass := 1; ; pass++ {
		s := w.mustPass(dispatch.Options{Workers: 2})
		if s.Pending == 0 {
			break
		}
		if pass == 3 {
			t.Fatalf("still %d pending after 3 passes", s.Pending)
		}
	}
	by := w.checkRelays(m, map[string]*smtptest.Server{w.smtp.Addr(): w.smtp, "b": b})
	if by[w.smtp.Addr()] != 100 {
		t.Errorf("by relay %v: want all through the settings' server", by)
	}
	// set aside after 10 refusals in a row, give or take the one message
	// its other connection had begun meanwhile
	tries := 0
	for _, n := range b.Tries() {
		tries += n
	}
	if tries < 10 || tries > 12 {
		t.Errorf("relay b was tried %d times; want it set aside after 10 refusals in a row", tries)
	}
	// the next pass, within the pause, leaves b aside without trying it
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "later"})
	w.clients("d", 20, list.Id, nil)
	later := w.mailing([]string{list.Id}, nil)
	w.window(later, w.now, w.now.Add(time.Hour), "once")
	if s := w.mustPass(dispatch.Options{Workers: 2}); s.Sent != 20 {
		t.Fatalf("the later mailing: %s", s)
	}
	again := 0
	for _, n := range b.Tries() {
		again += n
	}
	if again != tries {
		t.Errorf("relay b was tried %d times more by a pass within its pause", again-tries)
	}
	w.checkRelays(later, map[string]*smtptest.Server{w.smtp.Addr(): w.smtp, "b": b})

	// another app in this process keeps its own memory of its relays: the
	// same relay b, working again, is not aside there, and takes the
	// messages its settings' server, which is down, cannot
	other := newWorld(t)
	b.SetFaults(smtptest.Faults{})
	other.relayRow("b", b, 2, true)
	other.smtp.Close()
	elsewhere := other.listMailing(10)
	other.window(elsewhere, other.now, other.now.Add(time.Hour), "once")
	if s, err := other.pass(dispatch.Options{Workers: 2}); err != nil || s.Sent != 10 {
		t.Fatalf("the other app's pass: %s, %v; want all 10 sent through b", s, err)
	}
	other.checkRelays(elsewhere, map[string]*smtptest.Server{"b": b})

	// the logs reach the database in batches, a few seconds apart
	eventually(t, 10*time.Second, "the logs do not say that relay b was set aside", func() bool {
		var logged int
		w.app.AuxDB().NewQuery(`SELECT COUNT(*) FROM _logs WHERE message LIKE 'Relay set aside%' AND json_extract(data, '$.relay') = 'b'`).Row(&logged)
		return logged > 0
	})
}

// With one relay refusing everything there is nowhere else to go: it is not
// set aside, and the refusals are tried again as they always were.
func TestALoneRelayRefusingIsTriedAgainLater(t *testing.T) {
	w := newWorld(t)
	w.smtp.SetFaults(smtptest.Faults{Refuse421Until: time.Now().Add(time.Hour)})
	m := w.listMailing(30)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	s := w.mustPass(dispatch.Options{Workers: 2})
	if s.Pending != 30 || s.Sent != 0 {
		t.Fatalf("summary %s; want all 30 pending", s)
	}
	w.smtp.SetFaults(smtptest.Faults{})
	if s := w.mustPass(dispatch.Options{Workers: 2}); s.Sent != 30 {
		t.Fatalf("summary %s once the server is back", s)
	}
	by := w.checkRelays(m, map[string]*smtptest.Server{w.smtp.Addr(): w.smtp})
	if by[w.smtp.Addr()] != 30 {
		t.Errorf("by relay %v", by)
	}
}

// A lone relay that cannot be reached has no other relay to send its
// messages to: the log says that sending waits for it.
func TestALoneRelayUnreachableSaysSendingWaitsForIt(t *testing.T) {
	w := newWorld(t)
	settings := w.app.Settings()
	settings.Logs.MaxDays = 1 // the test app keeps no logs otherwise
	if err := w.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	w.smtp.Close()
	m := w.listMailing(3)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if _, err := w.pass(dispatch.Options{Workers: 2}); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("err %v; want cannot reach", err)
	}
	// the logs reach the database in batches, a few seconds apart
	var said []string
	eventually(t, 10*time.Second, "the logs do not say that the relay was set aside", func() bool {
		if err := w.app.AuxDB().NewQuery(`SELECT message FROM _logs WHERE message LIKE 'Relay set aside%'`).Column(&said); err != nil {
			t.Fatal(err)
		}
		return len(said) > 0
	})
	if !strings.Contains(said[0], "sending waits for it") || strings.Contains(said[0], "other relays") {
		t.Fatalf("the log says %q", said[0])
	}
}

// When no relay can be reached the pass stops as with one server: the
// messages stay pending, and the error names the relays.
func TestEveryRelayDownStopsThePass(t *testing.T) {
	w := newWorld(t)
	b := smtptest.Start(t)
	w.relayRow("b", b, 2, true)
	w.smtp.Close()
	b.Close()
	m := w.listMailing(10)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	s, err := w.pass(dispatch.Options{Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "b: ") ||
		!strings.Contains(err.Error(), strconv.Itoa(b.Port)) {
		t.Fatalf("err %v; want cannot reach, naming relay b", err)
	}
	if s.Pending != 10 {
		t.Errorf("summary %s; want the 10 pending", s)
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("status") != "pending" {
			t.Errorf("%s: %s", d.GetString("email"), d.GetString("status"))
		}
	}
}
