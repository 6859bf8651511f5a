package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"postrider/internal/smtptest"
)

// SMTPEnv points the binary at the SMTP server on 127.0.0.1:port, with
// workers connections (the default when 0).
func SMTPEnv(port int, workers int) map[string]string {
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": "127.0.0.1",
		"POSTRIDER_SMTP_PORT": strconv.Itoa(port),
		"POSTRIDER_SMTP_TLS":  "none",
	}
	if workers > 0 {
		env["POSTRIDER_DISPATCH_WORKERS"] = strconv.Itoa(workers)
	}
	return env
}

// SMTPServeEnv points `serve` at the test SMTP server, with a sender.
func SMTPServeEnv(smtp *smtptest.Server) map[string]string {
	return map[string]string{
		"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_SENDER_ADDRESS": "news@postrider.test",
	}
}

// ServeWithSMTP starts the server with its mail going to a real SMTP
// server; env is for the dispatch command too.
func ServeWithSMTP(t *testing.T) (*Instance, map[string]string, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	env := SMTPServeEnv(smtp)
	// the tests send with `postrider dispatch` when they choose:
	// serve itself would send each window at its time
	env["POSTRIDER_DISPATCH_CRON"] = "off"
	in := Serve(t, env)
	in.SMTP = smtp
	return in, env, smtp
}

// PerRecipient counts the messages each address received; a message with
// more or fewer than one envelope recipient fails the test (every client
// gets a message of their own).
func PerRecipient(t *testing.T, msgs []smtptest.Message) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("a message went to %d recipients at once: %v", len(m.To), m.To)
		}
		counts[m.To[0]]++
	}
	return counts
}

// CheckEachOnce fails unless the n seeded clients got exactly one message
// each and nobody else got any.
func CheckEachOnce(t *testing.T, msgs []smtptest.Message, n int) {
	t.Helper()
	counts := PerRecipient(t, msgs)
	var missing, repeated []string
	for i := 1; i <= n; i++ {
		addr := fmt.Sprintf("client%d@example.test", i)
		switch c := counts[addr]; {
		case c == 0:
			missing = append(missing, addr)
		case c > 1:
			repeated = append(repeated, fmt.Sprintf("%s×%d", addr, c))
		}
		delete(counts, addr)
	}
	if len(missing)+len(repeated)+len(counts) > 0 || len(msgs) != n {
		t.Fatalf("%d messages for %d clients: %d clients got none (%s), %d got several (%s), strangers got %v",
			len(msgs), n, len(missing), Head(missing), len(repeated), Head(repeated), counts)
	}
}

// Head is the first ten of s, for a failing test's message.
func Head(s []string) string {
	if len(s) > 10 {
		return strings.Join(s[:10], ", ") + ", …"
	}
	return strings.Join(s, ", ")
}
