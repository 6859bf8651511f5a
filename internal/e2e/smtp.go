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

// SeededClients is the addresses of the n clients e2e.Seeded makes.
func SeededClients(n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("client%d@example.test", i+1)
	}
	return addrs
}

// CheckEachOnce fails unless the n seeded clients got exactly one message
// each and nobody else got any.
func CheckEachOnce(t *testing.T, msgs []smtptest.Message, n int) {
	t.Helper()
	if _, ok := eachOnce(t, msgs, SeededClients(n), 0); !ok {
		t.FailNow()
	}
}

// CheckEachOnceAfterKill fails the test (and goes on) unless each address
// of want got a message and nobody else any, allowing at most kill
// repeated messages: the ones in flight when a sender was killed, one a
// connection. It returns the addresses that got several, with counts.
func CheckEachOnceAfterKill(t *testing.T, msgs []smtptest.Message, want []string, kill int) map[string]int {
	t.Helper()
	repeated, _ := eachOnce(t, msgs, want, kill)
	return repeated
}

// eachOnce is CheckEachOnceAfterKill, saying whether it failed the test.
func eachOnce(t *testing.T, msgs []smtptest.Message, want []string, allowed int) (map[string]int, bool) {
	t.Helper()
	counts := PerRecipient(t, msgs)
	repeated := map[string]int{}
	var missing, several []string
	extra := 0
	for _, addr := range want {
		switch c := counts[addr]; {
		case c == 0:
			missing = append(missing, addr)
		case c > 1:
			repeated[addr] = c
			several = append(several, fmt.Sprintf("%s×%d", addr, c))
			extra += c - 1
		}
		delete(counts, addr)
	}
	if allowed > 0 {
		t.Logf("%d messages for %d addresses, %d repeated (%s)", len(msgs), len(want), extra, Head(several))
	}
	if len(missing) > 0 || extra > allowed || len(counts) > 0 {
		t.Errorf("%d messages for %d addresses: %d got none (%s), %d got several (%s) in %d repeats where at most %d may be, strangers got %v",
			len(msgs), len(want), len(missing), Head(missing), len(several), Head(several), extra, allowed, counts)
		return repeated, false
	}
	return repeated, true
}

// Head is the first ten of s, for a failing test's message.
func Head(s []string) string {
	if len(s) > 10 {
		return strings.Join(s[:10], ", ") + ", …"
	}
	return strings.Join(s, ", ")
}
