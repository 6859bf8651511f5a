package dispatch_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A subject filled per recipient and the names in From and To fold as
// RFC 5322 wants (at whitespace, to 78 octets, never past 998; a line with
// an encoded word, the field's name included, at most 76 as RFC 2047
// wants), and read back as written: a 255-character name four times in a
// subject made a line of 1,036 octets, 28 times one of 7,120 that go-smtp
// refused; a subject that spells an encoded word showed as its decoding.
func TestHeadersFoldAndReadBackAsWritten(t *testing.T) {
	spaced := strings.TrimSpace(strings.Repeat("Maximilian ", 24))[:255] // ASCII, with spaces
	solid := strings.Repeat("x", 255)                                    // ASCII, no whitespace at all
	for _, c := range []struct {
		what, subject, name string
	}{
		{"four long spaced names", "{{name}} {{name}} {{name}} {{name}}", spaced},
		{"28 long spaced names", strings.Repeat("{{name}}", 28) + " news", spaced},
		{"four names without whitespace", "{{name}}{{name}}{{name}}{{name}}", solid},
		{"28 names without whitespace", strings.Repeat("{{name}}", 28) + " news", solid},
		{"a name that spells an encoded word", "{{name}}: news", "=?utf-8?b?SGFja2Vk?="},
		{"a Cyrillic name", "{{name}}, " + strings.Repeat("весенние скидки ", 10), "Анна Петрова"},
	} {
		t.Run(c.what, func(t *testing.T) {
			w := newWorld(t)
			s := w.app.Settings()
			s.Meta.SenderName = "The " + strings.Repeat("Very ", 20) + "Long Sender Name, Inc."
			if err := w.app.Save(s); err != nil {
				t.Fatal(err)
			}
			list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
			w.clients("c", 1, list.Id, map[string]any{"name": c.name})
			m := w.save("mailings", map[string]any{"owner": w.user.Id, "subject": c.subject, "body": "<p>Hello</p>", "lists": []string{list.Id}})
			w.window(m, w.now, w.now.Add(time.Hour), "once")
			if sum := w.mustPass(dispatch.Options{}); sum.Sent != 1 {
				t.Fatalf("summary %s (%v)", sum, w.deliveries(m)[0].GetString("response"))
			}
			raw := w.smtp.Messages()[0].Data
			head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
			for _, line := range strings.Split(head, "\r\n") {
				checkHeaderLine(t, line)
			}
			msg := smtptest.ReadMail(t, raw)
			if want := strings.ReplaceAll(c.subject, "{{name}}", c.name); msg.Subject != want {
				t.Errorf("the subject reads %q, want %q", msg.Subject, want)
			}
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != c.name || to[0].Address != "c0@example.org" {
				t.Errorf("To reads %v (%v), want %q <c0@example.org>", to, err, c.name)
			}
			from, err := msg.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != s.Meta.SenderName {
				t.Errorf("From reads %v (%v)", from, err)
			}
		})
	}
}

// checkHeaderLine fails t when a header line passes what RFC 5322 and 2047
// allow: 998 octets ever, 78 unless it holds one word that cannot be split
// (no whitespace in it), 76 when it holds an encoded word.
func checkHeaderLine(t *testing.T, line string) {
	t.Helper()
	// the signature's own line is go-msgauth's; the others are ours
	value := line
	if name, rest, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") && !strings.Contains(name, " ") {
		value = rest
	}
	oneWord := !strings.Contains(strings.TrimLeft(value, " "), " ")
	show := fmt.Sprintf("%.120q", line)
	switch {
	case len(line) > 998:
		t.Errorf("a header line of %d octets: %s", len(line), show)
	case strings.Contains(line, "=?") && len(line) > 76:
		t.Errorf("a line of %d octets with an encoded word: %s", len(line), show)
	case len(line) > 78 && !oneWord:
		t.Errorf("a line of %d octets not folded at its whitespace: %s", len(line), show)
	}
}
