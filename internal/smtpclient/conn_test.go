package smtpclient

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"postrider/internal/smtptest"
)

// sendOne opens a session as cfg says and sends one message through it.
func sendOne(cfg Config) (string, error) {
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	data := []byte("Subject: hi\r\n\r\n..hello\r\n") // dot-stuffed, as Begin takes it: the line is ".hello"
	if err := c.Begin("from@postrider.test", "to@example.org", data); err != nil {
		return "", err
	}
	return c.End()
}

func TestSMTPClientSecuresAndLogsInAsConfigured(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			srv, roots := smtptest.StartTLS(t, mode == "tls")
			srv.Username, srv.Password = "postrider", "s3cret"
			cfg := Config{Host: srv.Host, Port: srv.Port, TLS: mode, Username: "postrider", Password: "s3cret",
				RootCAs: roots, Timeout: 5 * time.Second}

			reply, err := sendOne(cfg)
			if err != nil || !strings.HasPrefix(reply, "250") {
				t.Fatalf("send: %q, %v", reply, err)
			}
			m := srv.Messages()[0]
			if !m.TLS || m.User != "postrider" {
				t.Fatalf("the message went over TLS=%v as user %q", m.TLS, m.User)
			}
			if !strings.Contains(string(m.Data), "\r\n.hello\r\n") {
				t.Fatalf("the dot-stuffed line did not arrive as written:\n%q", m.Data)
			}

			cfg.Password = "wrong"
			if _, err := sendOne(cfg); err == nil || !strings.Contains(err.Error(), "535") {
				t.Fatalf("a wrong password: %v", err)
			}
			cfg.Password, cfg.RootCAs = "s3cret", nil
			if _, err := sendOne(cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("an untrusted certificate was accepted: %v", err)
			}
		})
	}
}

// "auto" (the dashboard's TLS switch off) takes STARTTLS when it is offered
// and goes plain when it is not.
func TestSMTPClientUpgradesWhenOffered(t *testing.T) {
	secure, roots := smtptest.StartTLS(t, false)
	plain := smtptest.Start(t)
	for _, c := range []struct {
		srv     *smtptest.Server
		wantTLS bool
	}{{secure, true}, {plain, false}} {
		reply, err := sendOne(Config{Host: c.srv.Host, Port: c.srv.Port, TLS: "auto", RootCAs: roots, Timeout: 5 * time.Second})
		if err != nil || !strings.HasPrefix(reply, "250") {
			t.Fatalf("send: %q, %v", reply, err)
		}
		if got := c.srv.Messages()[0].TLS; got != c.wantTLS {
			t.Errorf("STARTTLS offered: %v; the message went over TLS: %v", c.wantTLS, got)
		}
	}
	// no silent fallback to plain text when the offered certificate is bad
	if _, err := sendOne(Config{Host: secure.Host, Port: secure.Port, TLS: "auto", Timeout: 5 * time.Second}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate was accepted: %v", err)
	}
}

func TestSMTPClientRefusesWhatIsNotOffered(t *testing.T) {
	srv := smtptest.Start(t) // no TLS at all
	_, err := sendOne(Config{Host: srv.Host, Port: srv.Port, TLS: "starttls", Timeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("starttls against a server without it: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message went out in the clear")
	}
	// a server that wants a login refuses an anonymous sender with a 5xx
	srv.Username, srv.Password = "u", "p"
	_, err = sendOne(Config{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	if !Permanent(err) {
		t.Fatalf("an anonymous message to a server that wants a login: %v", err)
	}
}

// countingConn counts the writes that reach the socket.
type countingConn struct {
	net.Conn
	writes int
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes++
	return c.Conn.Write(b)
}

// dialCounted opens a session on srv whose writes are counted.
func dialCounted(t *testing.T, srv *smtptest.Server) (*Conn, *countingConn) {
	t.Helper()
	raw, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingConn{Conn: raw}
	c := newConn(counted, 5*time.Second)
	c.dataTimeout = 5 * time.Second
	if err := c.open(Config{Host: srv.Host, Port: srv.Port, TLS: "none"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, counted
}

// note is a message to to, as Begin takes it (no line starts with a dot).
func note(to string) []byte {
	return []byte("Subject: for " + to + "\r\n\r\nHello " + to + "\r\n")
}

// Begun ahead, each message after the first costs one write (its data, its
// dot and the next envelope), and every one arrives whole, in order, once.
func TestSMTPClientSendsTheNextEnvelopeWithTheDot(t *testing.T) {
	srv := smtptest.Start(t)
	c, counted := dialCounted(t, srv)
	to := []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
	if err := c.Begin("from@postrider.test", to[0], note(to[0])); err != nil {
		t.Fatal(err)
	}
	before := counted.writes
	for i := range to {
		if i+1 < len(to) && !c.Ahead("from@postrider.test", to[i+1], note(to[i+1])) {
			t.Fatalf("message %d could not be begun ahead", i+1)
		}
		if reply, err := c.End(); err != nil || !strings.HasPrefix(reply, "250") {
			t.Fatalf("message %d: %q, %v", i, reply, err)
		}
	}
	if got := counted.writes - before; got != len(to) {
		t.Errorf("%d writes for %d messages after the first envelope, want one each", got, len(to))
	}
	msgs := srv.Messages()
	if len(msgs) != len(to) {
		t.Fatalf("%d messages arrived, want %d", len(msgs), len(to))
	}
	for i, m := range msgs {
		if m.To[0] != to[i] || !strings.Contains(string(m.Data), "Hello "+to[i]) {
			t.Errorf("message %d went to %v with %q", i, m.To, m.Data)
		}
	}
	if c.InFlight() || c.Broken() {
		t.Errorf("after the last end: in flight %v, broken %v", c.InFlight(), c.Broken())
	}
}

// A refusal on either side of a message begun ahead costs that message
// alone: a refused envelope of the first leaves the second to go out by
// itself, a refused envelope of the second is not mistaken for the first's
// reply, and a message refused after its dot does not reset the next
// one's transaction, already under way.
func TestSMTPClientAheadSurvivesRefusals(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetFaults(smtptest.Faults{Refuse: map[string]int{"gone@example.org": 550, "full@example.org": 452}})
	srv.OnData = func(m smtptest.Message) error {
		if m.To[0] == "spam@example.org" {
			return &smtp.SMTPError{Code: 554, Message: "looks like spam"}
		}
		return nil
	}
	c, _ := dialCounted(t, srv)
	// each message, with whether the server keeps it
	plan := []struct {
		to   string
		kept bool
	}{
		{"gone@example.org", false}, {"a@example.org", true}, {"full@example.org", false},
		{"b@example.org", true}, {"spam@example.org", false}, {"c@example.org", true},
	}
	if err := c.Begin("from@postrider.test", plan[0].to, note(plan[0].to)); err != nil {
		t.Fatal(err)
	}
	for i, p := range plan {
		if i+1 < len(plan) && !c.Ahead("from@postrider.test", plan[i+1].to, note(plan[i+1].to)) {
			t.Fatalf("message %d could not be begun ahead", i+1)
		}
		reply, err := c.End()
		if p.kept != (err == nil) {
			t.Errorf("%s: %q, %v", p.to, reply, err)
		}
		if c.Broken() {
			t.Fatalf("%s broke the session: %v", p.to, err)
		}
	}
	var got []string
	for _, m := range srv.Messages() {
		got = append(got, m.To[0])
	}
	if strings.Join(got, " ") != "a@example.org b@example.org c@example.org" {
		t.Errorf("the server kept messages to %v", got)
	}
}

// A connection dropped once the dot went out leaves the message's fate
// unknown (a *NoReplyError) and breaks the session, and the message begun
// ahead of it is not delivered: its worker begins it again elsewhere.
func TestSMTPClientAheadLostWithTheConnection(t *testing.T) {
	srv := smtptest.Start(t)
	srv.OnData = func(m smtptest.Message) error {
		if m.To[0] == "drop@example.org" {
			return smtptest.ErrDrop
		}
		return nil
	}
	c, _ := dialCounted(t, srv)
	if err := c.Begin("from@postrider.test", "drop@example.org", note("drop@example.org")); err != nil {
		t.Fatal(err)
	}
	if !c.Ahead("from@postrider.test", "next@example.org", note("next@example.org")) {
		t.Fatal("could not begin ahead")
	}
	if _, err := c.End(); !Unanswered(err) || !c.Broken() {
		t.Fatalf("dropped after the dot: %v (broken %v), want a *NoReplyError on a broken session", err, c.Broken())
	}
	if c.Ahead("from@postrider.test", "third@example.org", note("third@example.org")) {
		t.Error("a broken session began a message ahead")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages kept, want none", n)
	}
}
