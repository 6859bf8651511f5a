package mailout

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/internal/smtptest"
)

func TestBuild(t *testing.T) {
	raw, err := Build(&mailer.Message{
		From:    mail.Address{Name: "Рассылка", Address: "news@example.com"},
		To:      []mail.Address{{Address: "client@example.org"}},
		Subject: "Скидки недели",
		HTML:    `<h1>Привет!</h1><p>Our <a href="https://example.com/sale">sale</a> starts today.</p>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := smtptest.ReadMail(t, raw)
	h, body := m.Header, m.Parts
	if m.Subject != "Скидки недели" {
		t.Errorf("subject: got %q", m.Subject)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Рассылка" || from[0].Address != "news@example.com" {
		t.Errorf("from: got %v (%v)", from, err)
	}
	if to := h.Get("To"); !strings.Contains(to, "client@example.org") {
		t.Errorf("to: got %q", to)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("message id: got %q", id)
	}
	if !strings.Contains(body["text/html"], "<h1>Привет!</h1>") {
		t.Errorf("html part: got %q", body["text/html"])
	}
	if want := "Привет!\n\nOur sale (https://example.com/sale) starts today."; body["text/plain"] != want {
		t.Errorf("plain part:\n got %q\nwant %q", body["text/plain"], want)
	}
}

func TestBuildKeepsGivenMessageIDAndRefusesNoRecipient(t *testing.T) {
	raw, err := Build(&mailer.Message{
		From: mail.Address{Address: "a@example.com"}, To: []mail.Address{{Address: "b@example.com"}},
		Subject: "x", HTML: "<p>x</p>", Headers: map[string]string{"Message-ID": "<fixed@example.com>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if h := smtptest.ReadMail(t, raw).Header; h.Get("Message-ID") != "<fixed@example.com>" {
		t.Errorf("message id replaced: %q", h.Get("Message-ID"))
	}
	if _, err := Build(&mailer.Message{From: mail.Address{Address: "a@example.com"}, Subject: "x"}); err == nil {
		t.Error("a message with no recipient was built")
	}
}

func TestPlainText(t *testing.T) {
	cases := []struct{ html, want string }{
		{"plain words", "plain words"},
		{"<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"line<br>break", "line\nbreak"},
		{"<ul><li>a</li><li>b</li></ul>", "- a\n- b"},
		{`<a href="https://x.example">https://x.example</a>`, "https://x.example"},
		{`<style>p{color:red}</style><script>alert(1)</script><p>kept</p>`, "kept"},
		{"<p>  spaced \n\n out  </p>", "spaced out"},
		// the editor types a no-break space after a link
		{"<p>See <a href=\"https://x.example/o\">our offers</a>\u00a0for details.</p>", "See our offers (https://x.example/o) for details."},
		{"<p>Hello\u00a0<b>Ann</b>\u00a0!</p>", "Hello Ann !"},
	}
	for _, c := range cases {
		if got := PlainText(c.html); got != c.want {
			t.Errorf("PlainText(%q) = %q, want %q", c.html, got, c.want)
		}
	}
}

func TestOutboxWritesOneWholeFilePerMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox") // created on first use
	o := &Outbox{Dir: dir}
	for _, to := range []string{"one@example.com", "two@example.com"} {
		err := o.Send(&mailer.Message{
			From: mail.Address{Address: "a@example.com"}, To: []mail.Address{{Address: to}},
			Subject: "Hello " + to, HTML: "<p>Hi</p>",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("want 2 files, got %d", len(entries))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("left a file that is not a message: %s", e.Name())
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h := smtptest.ReadMail(t, raw).Header
		seen[h.Get("To")] = true
	}
	if !seen["<one@example.com>"] || !seen["<two@example.com>"] {
		t.Errorf("recipients in the outbox: %v", seen)
	}
}
