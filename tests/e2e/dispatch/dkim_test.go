package dispatch

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"postrider/internal/dkimtest"
	"postrider/internal/e2e"
	"postrider/internal/smtptest"
	"postrider/mailout"
)

// The binary with POSTRIDER_DKIM_* set sends every message of a run signed,
// and the signature verifies against the key's TXT record.
func TestDispatchSignsWithTheConfiguredDKIMKey(t *testing.T) {
	const clients = 3
	dir, _ := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	key, path := dkimtest.KeyFile(t, "rsa")
	env := e2e.SMTPEnv(srv.Port, 0)
	env["POSTRIDER_DKIM_DOMAIN"], env["POSTRIDER_DKIM_SELECTOR"], env["POSTRIDER_DKIM_KEY"] = "example.test", "pr2026", path
	if r := e2e.RunDispatch(t, env, dir); r.Code != 0 || !strings.Contains(r.Stdout, "sent "+strconv.Itoa(clients)) {
		t.Fatalf("dispatch:\n%s", r)
	}
	msgs := srv.Messages()
	e2e.CheckEachOnce(t, msgs, clients)
	d, _ := mailout.NewDKIM("example.test", "pr2026", key)
	for _, m := range msgs {
		if _, err := dkimtest.Verify(m.Data, d); err != nil {
			t.Errorf("the message to %v does not verify: %v", m.To, err)
		}
	}
}

// serve with POSTRIDER_DKIM_* signs account mail too: the confirmation a
// sign-up sends reaches the SMTP server signed.
func TestServeSignsAccountMail(t *testing.T) {
	srv := smtptest.Start(t)
	key, path := dkimtest.KeyFile(t, "ed25519")
	e2e.Serve(t, map[string]string{
		"POSTRIDER_SMTP_HOST": srv.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(srv.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_SENDER_ADDRESS": "hello@example.test",
		"POSTRIDER_DKIM_DOMAIN":    "example.test", "POSTRIDER_DKIM_SELECTOR": "acct", "POSTRIDER_DKIM_KEY": path,
	}).Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "signed@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	msgs := srv.WaitFor(t, 1, 30*time.Second)
	d, _ := mailout.NewDKIM("example.test", "acct", key)
	if _, err := dkimtest.Verify(msgs[0].Data, d); err != nil {
		t.Fatalf("the confirmation does not verify: %v\n%s", err, msgs[0].Data)
	}
}

// A DKIM key that cannot be read stops serve before it sends anything
// unsigned, naming the variable.
func TestABadDKIMKeyStopsStartup(t *testing.T) {
	cmd := e2e.Run(t, map[string]string{
		"POSTRIDER_DKIM_DOMAIN": "example.test", "POSTRIDER_DKIM_SELECTOR": "pr2026", "POSTRIDER_DKIM_KEY": "/nonexistent/dkim.pem",
	}, "serve", "--dir", filepath.Join(t.TempDir(), "pb_data"), "--http", "127.0.0.1:"+strconv.Itoa(e2e.FreePort(t)))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started with a DKIM key that does not exist:\n%s", out)
	}
	for _, want := range []string{"POSTRIDER_DKIM_KEY", "/nonexistent/dkim.pem"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the message does not mention %s:\n%s", want, out)
		}
	}
}
