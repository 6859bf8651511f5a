package dispatch_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"postrider/config"
	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A relay whose certificate comes from a private CA is trusted once
// POSTRIDER_SMTP_CA names that CA; until then the owner's run says that
// the server could not be reached securely, with no host or port.
func TestAPrivateCAIsTrustedThroughSMTPCA(t *testing.T) {
	w := newWorld(t)
	srv, caPEM := smtptest.StartPrivateCA(t, false)
	s := w.app.Settings()
	s.SMTP.Host, s.SMTP.Port = srv.Host, srv.Port
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}
	m := w.listMailing(3)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if _, err := w.pass(dispatch.Options{SMTPTLS: "starttls"}); err == nil {
		t.Fatal("a certificate of an unknown CA was trusted")
	}
	run := w.runOf(m)
	if note := run.GetString("note"); !strings.Contains(note, "could not be reached securely: its certificate is not trusted") ||
		strings.Contains(note, srv.Host) || strings.Contains(note, strconv.Itoa(srv.Port)) {
		t.Fatalf("the run says %q, want the kind of failure and no address", note)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message went over an untrusted connection")
	}

	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"POSTRIDER_SMTP_CA": path, "POSTRIDER_SMTP_TLS": "starttls"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := dispatch.OptionsFrom(cfg)
	opts.Workers = 2
	if sum := w.mustPass(opts); sum.Sent != 3 {
		t.Fatalf("with POSTRIDER_SMTP_CA: %s", sum)
	}
	for _, msg := range srv.Messages() {
		if !msg.TLS {
			t.Fatal("a message went in plain text")
		}
	}
	if run := w.runOf(m); run.GetString("status") != "done" || run.GetString("note") != "" {
		t.Fatalf("the run is %s with the note %q", run.GetString("status"), run.GetString("note"))
	}
}

// A server that refuses connections: the run says it could not be reached.
func TestARunSaysWhenTheServerCannotBeReached(t *testing.T) {
	w := newWorld(t)
	deadPort := w.serverDown()
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if _, err := w.pass(dispatch.Options{}); err == nil {
		t.Fatal("a pass to a dead port succeeded")
	}
	run := w.runOf(m)
	if note := run.GetString("note"); !strings.Contains(note, "the mail server could not be reached") ||
		strings.Contains(note, "127.0.0.1") || strings.Contains(note, strconv.Itoa(deadPort)) {
		t.Fatalf("the run says %q", note)
	}
}
