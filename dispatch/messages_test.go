package dispatch_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// sent reads the captured messages back, by envelope recipient.
func (w *world) sent() map[string]smtptest.Mail {
	w.t.Helper()
	out := map[string]smtptest.Mail{}
	for _, m := range w.smtp.Messages() {
		for _, line := range bytes.Split(m.Data, []byte("\r\n")) {
			if len(line) > 998 {
				w.t.Errorf("a line of %d octets in the message to %v", len(line), m.To)
			}
		}
		out[m.To[0]] = smtptest.ReadMail(w.t, m.Data)
	}
	return out
}

func TestMailingMessagesArePersonalAndWellFormed(t *testing.T) {
	w := newWorld(t)
	s := w.app.Settings()
	s.Meta.SenderName, s.Meta.AppURL = "Acme, Inc.", "https://mail.example.com"
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "anna@example.org", "name": "Anna Smith", "comment": "VIP <gold>", "lists": []string{list.Id}})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "ivan@example.org", "name": "Иван, Петров", "lists": []string{list.Id}})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "nobody@example.org", "lists": []string{list.Id}})
	m := w.save("mailings", map[string]any{
		"owner": w.user.Id, "subject": "{{first_name|Friend}}, spring news", "lists": []string{list.Id},
		"body": `<p>Hello, {{name}}!</p><p>Note: {{comment|none}}. Your address: {{email}}.</p>` +
			`<p><img src="https://example.com/logo.png" alt="Acme logo"> <a href="{{unsubscribe_url}}">Leave the list</a></p>`,
	})
	w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "daily")
	if s := w.mustPass(dispatch.Options{}); s.Sent != 3 {
		t.Fatalf("summary: %s", s)
	}

	got := w.sent()
	ids := map[string]bool{}
	for _, c := range []struct{ email, name, subject, hello, note string }{
		{"anna@example.org", "Anna Smith", "Anna, spring news", "Hello, Anna Smith!", "Note: VIP &lt;gold&gt;."},
		{"ivan@example.org", "Иван, Петров", "Иван, spring news", "Hello, Иван, Петров!", "Note: none."},
		{"nobody@example.org", "", "Friend, spring news", "<p>Hello!</p>", "Note: none."},
	} {
		msg, ok := got[c.email]
		if !ok {
			t.Fatalf("no message to %s", c.email)
		}
		h := msg.Header
		from, err := h.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "Acme, Inc." || from[0].Address != "news@postrider.test" {
			t.Errorf("From %q reads as %v (%v)", h.Get("From"), from, err)
		}
		to, err := h.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != c.name || to[0].Address != c.email {
			t.Errorf("To %q reads as %v (%v), want %q <%s>", h.Get("To"), to, err, c.name, c.email)
		}
		if msg.Subject != c.subject {
			t.Errorf("subject %q, want %q", msg.Subject, c.subject)
		}
		html, text := msg.Parts["text/html"], msg.Parts["text/plain"]
		if !strings.Contains(html, c.hello) || !strings.Contains(html, c.note) || !strings.Contains(html, "Your address: "+c.email) {
			t.Errorf("html to %s: %q", c.email, html)
		}
		link := strings.Trim(h.Get("List-Unsubscribe"), "<>")
		if u, err := url.Parse(link); err != nil || !strings.HasPrefix(link, "https://mail.example.com/unsubscribe/") || u.Path == "" {
			t.Errorf("List-Unsubscribe %q", h.Get("List-Unsubscribe"))
		}
		if h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || h.Get("List-Id") == "" || h.Get("Feedback-ID") == "" || h.Get("Date") == "" {
			t.Errorf("headers: %v", h)
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("Date %q: %v", h.Get("Date"), err)
		}
		if !strings.Contains(html, `href="`+link+`"`) || strings.Count(text, link) != 1 {
			t.Errorf("the link %s is not in the html once and the text once:\n%s\n%s", link, html, text)
		}
		if !strings.Contains(text, "Acme logo") || strings.Contains(text, "{{") {
			t.Errorf("text part: %q", text)
		}
		if strings.Contains(html, "{{") || strings.Contains(html, "no value") {
			t.Errorf("html part keeps a placeholder: %q", html)
		}
		ids[h.Get("Message-ID")] = true
	}
	if len(ids) != 3 {
		t.Errorf("Message-IDs not unique: %v", ids)
	}
}

func TestALongCyrillicSubjectIsFoldedAndDecodesBack(t *testing.T) {
	w := newWorld(t)
	subject := string([]rune(strings.Repeat("Весенние скидки, для всех! ", 10))[:255]) // the field's maximum
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.clients("c", 1, list.Id, nil)
	m := w.save("mailings", map[string]any{"owner": w.user.Id, "subject": subject, "body": "<p>Привет!</p>", "lists": []string{list.Id}})
	w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "daily")
	w.mustPass(dispatch.Options{})
	raw := w.smtp.Messages()[0].Data
	// the subject's lines: one encoded word of at most 75 characters each
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	_, subj, _ := strings.Cut(head, "\r\nSubject: ")
	lines := 0
	for _, line := range strings.Split(subj, "\r\n") {
		if lines > 0 && !strings.HasPrefix(line, " ") {
			break
		}
		lines++
		if word := strings.TrimSpace(line); len(word) > 75 || strings.Count(word, "=?") != 1 {
			t.Errorf("a subject line of %d octets: %q", len(line), line)
		}
	}
	if lines < 10 {
		t.Errorf("the subject is folded on %d lines", lines)
	}
	msg := smtptest.ReadMail(t, raw)
	if msg.Subject != subject {
		t.Errorf("subject decodes to %q", msg.Subject)
	}
	// the mailing is in Russian: so is the footer the dispatcher adds
	if !strings.Contains(msg.Parts["text/html"], "Отписаться") || !strings.Contains(msg.Parts["text/plain"], "/unsubscribe/") {
		t.Errorf("no Russian footer with the link: %q", msg.Parts)
	}
}

// The link of a captured message unsubscribes through the real router
// (the one-click POST, as a mail client sends it); the next run skips the
// client.
func TestTheLinkInAMessageUnsubscribesAndTheNextRunSkips(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(2)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(10*24*time.Hour), "daily")
	w.mustPass(dispatch.Options{})
	msg := w.sent()["c0@example.org"]
	link, err := url.Parse(strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Parts["text/html"], "Unsubscribe</a>") {
		t.Errorf("no English footer: %q", msg.Parts["text/html"])
	}

	router, err := apis.NewRouter(w.app)
	if err != nil {
		t.Fatal(err)
	}
	serve := &core.ServeEvent{App: w.app, Router: router}
	if err := w.app.OnServe().Trigger(serve, func(e *core.ServeEvent) error { return nil }); err != nil {
		t.Fatal(err)
	}
	mux, err := router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, link.Path, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := httptest.NewRecorder()
	mux.ServeHTTP(res, req)
	if res.Code != 200 {
		t.Fatalf("one-click POST: %d %s", res.Code, res.Body)
	}

	before := len(w.smtp.Messages())
	w.now = w.now.Add(24 * time.Hour)
	if s := w.mustPass(dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("the next run: %s", s)
	}
	if next := w.smtp.Messages()[before:]; len(next) != 1 || next[0].To[0] != "c1@example.org" {
		t.Fatalf("the next run went to %v", next)
	}
}

// A client who unsubscribes while a run still has their message pending
// (here: a temporary refusal left it for the next pass) gets nothing.
func TestAClientWhoUnsubscribesMidRunGetsNothingMore(t *testing.T) {
	w := newWorld(t)
	w.smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"c0@example.org": 451}})
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if s := w.mustPass(dispatch.Options{}); s.Sent != 1 || s.Pending != 1 {
		t.Fatalf("the first pass: %s", s)
	}
	client, err := w.app.FindFirstRecordByData("clients", "email", "c0@example.org")
	if err != nil {
		t.Fatal(err)
	}
	client.Set("unsubscribed", true)
	if err := w.app.Save(client); err != nil {
		t.Fatal(err)
	}
	w.smtp.SetFaults(smtptest.Faults{})
	before := len(w.smtp.Messages())
	if s := w.mustPass(dispatch.Options{}); s.Sent != 0 || s.Pending != 0 {
		t.Fatalf("the second pass: %s", s)
	}
	if n := len(w.smtp.Messages()); n != before {
		t.Fatalf("%d more messages went out", n-before)
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("email") == "c0@example.org" && (d.GetString("status") != "failed" || !strings.Contains(d.GetString("response"), "unsubscribed")) {
			t.Errorf("the unsubscribed client's delivery: %s %q", d.GetString("status"), d.GetString("response"))
		}
	}
	runs, err := w.app.FindRecordsByFilter("runs", "mailing = {:m}", "", 0, 0, map[string]any{"m": m.Id})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v (%v)", runs, err)
	}
	if run := runs[0]; run.GetString("status") != "done" || run.GetInt("failed") != 1 {
		t.Errorf("the run: %s, %d failed", run.GetString("status"), run.GetInt("failed"))
	}
}
