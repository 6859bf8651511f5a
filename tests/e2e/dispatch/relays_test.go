package dispatch

// End-to-end test of several relays: the real binary, `postrider dispatch`,
// with the SMTP server of the settings (POSTRIDER_SMTP_*) and a second relay
// in the `relays` collection, one of them killed in the middle of a run.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// addRelay puts an enabled relay to the test SMTP server srv in the data dir.
func addRelay(t *testing.T, dir, name string, srv *smtptest.Server, connections int) {
	t.Helper()
	app := e2e.OpenData(t, dir)
	defer app.ResetBootstrapState()
	col, err := app.FindCollectionByNameOrId("relays")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"name": name, "host": srv.Host, "port": srv.Port, "tls": "none",
		"connections": connections, "weight": 1, "enabled": true,
	})
	if err := app.Save(r); err != nil {
		t.Fatalf("adding relay %s: %v", name, err)
	}
}

// Two relays share a run; one dies in the middle of it. The other carries
// the rest: every recipient gets the message, at most the one message each
// of the dead relay's connections had in flight arrives twice, and each
// delivery names a relay that holds the recipient's message.
func TestARelayKilledMidRunTheOtherCarriesTheRest(t *testing.T) {
	const (
		clients = 3000
		connsA  = 4 // the settings' relay: POSTRIDER_DISPATCH_WORKERS
		connsB  = 4
		killAt  = 500 // messages kept by A before it dies
	)
	dir, _ := e2e.Seeded(t, clients)
	a, b := smtptest.Start(t), smtptest.Start(t)
	// both slow: a run of seconds, so that A dies in its middle
	reached, _ := a.SlowUntil(time.Millisecond, killAt)
	b.OnData = func(smtptest.Message) error {
		time.Sleep(time.Millisecond)
		return nil
	}
	addRelay(t, dir, "relay-b", b, connsB)
	nameA := "127.0.0.1:" + strconv.Itoa(a.Port) // the settings' relay is named by its address
	env := e2e.SMTPEnv(a.Port, connsA)

	pass := e2e.StartDispatch(t, env, dir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages at relay A", killAt))
	a.Close()
	onBAtKill := len(b.Messages())
	first := pass.Wait(t, 2*time.Minute)
	onAAtKill := len(a.Messages())
	t.Logf("first pass: %s; A kept %d messages, B had %d when A died and %d at the end",
		strings.TrimSpace(first.Stdout), onAAtKill, onBAtKill, len(b.Messages()))
	if onBAtKill == 0 {
		t.Errorf("relay B had no message when A died: the messages are not spread over both\n%s", first)
	}
	{ // the logs (the dashboard's Logs, PocketBase's _logs table) name the relay set aside
		app := e2e.OpenData(t, dir)
		var aside []string
		err := app.AuxDB().NewQuery(`SELECT json_extract(data, '$.relay') FROM _logs WHERE message LIKE 'Relay set aside%'`).Column(&aside)
		if err != nil {
			t.Fatal(err)
		}
		if len(aside) == 0 || aside[0] != nameA {
			t.Errorf("the logs name %v as set aside, want %s", aside, nameA)
		}
		app.ResetBootstrapState()
	}
	if first.Code != 0 {
		t.Errorf("the pass failed although relay B was up:\n%s", first)
	}

	// messages whose whole body went to A unanswered get their one more
	// try in a later pass: run passes until nothing is pending
	for pass := 2; ; pass++ {
		c := e2e.CountDeliveries(t, e2e.OpenData(t, dir))
		if c.Pending == 0 {
			break
		}
		if pass > 5 {
			t.Fatalf("%d deliveries still pending after 4 more passes", c.Pending)
		}
		r := e2e.RunDispatch(t, env, dir)
		t.Logf("pass %d (%d pending before): %s", pass, c.Pending, strings.TrimSpace(r.Stdout))
		if r.Code != 0 {
			t.Fatalf("pass %d failed although relay B was up:\n%s", pass, r)
		}
	}

	// the servers' side: everyone got the message, repeats only from A's death
	if len(b.Messages()) <= onBAtKill {
		t.Errorf("relay B carried nothing after A died")
	}
	t.Logf("%d messages on A, %d on B, for %d clients", len(a.Messages()), len(b.Messages()), clients)
	// at most one in flight per connection of the dead relay
	e2e.CheckEachOnceAfterKill(t, append(a.Messages(), b.Messages()...), e2e.SeededClients(clients), connsA)

	// the data dir's side: all sent, each naming a relay that has it
	onA, onB := a.PerRecipient(), b.PerRecipient()
	app := e2e.OpenData(t, dir)
	var rows []struct {
		Email  string `db:"email"`
		Status string `db:"status"`
		Relay  string `db:"relay"`
	}
	if err := app.DB().NewQuery(`SELECT email, status, relay FROM deliveries`).All(&rows); err != nil {
		t.Fatal(err)
	}
	byRelay := map[string]int{}
	var wrong []string
	for _, r := range rows {
		byRelay[r.Relay]++
		held := map[string]map[string]int{nameA: onA, "relay-b": onB}[r.Relay]
		if r.Status != "sent" || held[r.Email] == 0 {
			wrong = append(wrong, fmt.Sprintf("%s: %s by %q", r.Email, r.Status, r.Relay))
		}
	}
	t.Logf("deliveries by relay: %v", byRelay)
	if len(rows) != clients || len(wrong) > 0 {
		t.Errorf("%d deliveries for %d clients; %d not sent or naming a relay that does not hold the message: %s",
			len(rows), clients, len(wrong), e2e.Head(wrong))
	}
	if byRelay[nameA] == 0 || byRelay["relay-b"] == 0 {
		t.Errorf("deliveries by relay %v: want both relays named", byRelay)
	}
}
