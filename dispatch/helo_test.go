package dispatch_test

import (
	"fmt"
	"testing"
	"time"

	"postrider/config"
	"postrider/dispatch"
)

// The SMTP client names the service in EHLO: the app URL's host, or
// POSTRIDER_HELO, never "localhost" (which every relay then wrote in its
// Received: line).
func TestEHLONamesTheService(t *testing.T) {
	w := newWorld(t)
	s := w.app.Settings()
	s.Meta.AppURL = "https://Mail.Example.com"
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}
	w.sendTo("first")
	if got := w.smtp.Messages()[0].Helo; got != "mail.example.com" {
		t.Fatalf("the mailing's EHLO said %q, want the app URL's host", got)
	}

	config.Config{HELO: "mta.example.net"}.Layer(w.app)
	w.sendTo("second")
	if got := w.smtp.Messages()[1].Helo; got != "mta.example.net" {
		t.Fatalf("with POSTRIDER_HELO the EHLO said %q", got)
	}
}

// A local try (app URL on loopback) still gives no "localhost".
func TestEHLONeverSaysLocalhost(t *testing.T) {
	w := newWorld(t)
	for _, appURL := range []string{"http://127.0.0.1:8090", "http://localhost:8090", "http://app.localhost"} {
		s := w.app.Settings()
		s.Meta.AppURL = appURL
		if err := w.app.Save(s); err != nil {
			t.Fatal(err)
		}
		n := len(w.smtp.Messages())
		w.sendTo(fmt.Sprintf("try%d-", n))
		if got := w.smtp.Messages()[n].Helo; got == "" || got == "localhost" {
			t.Fatalf("app URL %s: EHLO %q", appURL, got)
		}
	}
}

// sendTo sends a new mailing to one new client (prefix0@example.org).
func (w *world) sendTo(prefix string) {
	w.t.Helper()
	c := w.clients(prefix, 1, "", nil)
	m := w.mailing(nil, []string{c[0].Id})
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
}
