package dispatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"postrider/internal/smtptest"
)

// sendOne opens a session as cfg says and sends one message through it.
func sendOne(cfg SMTPConfig) (string, error) {
	c, err := dialSMTP(context.Background(), cfg)
	if err != nil {
		return "", err
	}
	defer c.close()
	if err := c.begin("from@postrider.test", "to@example.org", dotStuff([]byte("Subject: hi\r\n\r\n.hello\r\n"))); err != nil {
		return "", err
	}
	return c.end()
}

func TestSMTPClientSecuresAndLogsInAsConfigured(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			srv, roots := smtptest.StartTLS(t, mode == "tls")
			srv.Username, srv.Password = "postrider", "s3cret"
			cfg := SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: mode, Username: "postrider", Password: "s3cret",
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
		reply, err := sendOne(SMTPConfig{Host: c.srv.Host, Port: c.srv.Port, TLS: "auto", RootCAs: roots, Timeout: 5 * time.Second})
		if err != nil || !strings.HasPrefix(reply, "250") {
			t.Fatalf("send: %q, %v", reply, err)
		}
		if got := c.srv.Messages()[0].TLS; got != c.wantTLS {
			t.Errorf("STARTTLS offered: %v; the message went over TLS: %v", c.wantTLS, got)
		}
	}
	// no silent fallback to plain text when the offered certificate is bad
	if _, err := sendOne(SMTPConfig{Host: secure.Host, Port: secure.Port, TLS: "auto", Timeout: 5 * time.Second}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate was accepted: %v", err)
	}
}

func TestSMTPClientRefusesWhatIsNotOffered(t *testing.T) {
	srv := smtptest.Start(t) // no TLS at all
	_, err := sendOne(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "starttls", Timeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("starttls against a server without it: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message went out in the clear")
	}
	// a server that wants a login refuses an anonymous sender with a 5xx
	srv.Username, srv.Password = "u", "p"
	_, err = sendOne(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 5 * time.Second})
	if !permanent(err) {
		t.Fatalf("an anonymous message to a server that wants a login: %v", err)
	}
}
