package hooks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postrider/config"
	"postrider/hooks"
)

// Two mailings start waiting: the moderators get one digest each, naming
// the count and the owners but no one's words; nothing more within the
// hour, even for a third; after it, the third's digest goes out.
func TestTheModeratorsDigest(t *testing.T) {
	t.Parallel()
	app := approvalApp(config.ApprovalNewUsers)(t)
	defer app.Cleanup()
	ctx := context.Background()
	now := time.Now()
	digest := func(at time.Time) bool {
		t.Helper()
		sent, err := hooks.SendApprovalDigest(ctx, app, at)
		if err != nil {
			t.Fatal(err)
		}
		return sent
	}
	if digest(now) || app.TestMailer.TotalSend() != 0 {
		t.Fatalf("a digest with nothing waiting (%d mails)", app.TestMailer.TotalSend())
	}
	set("mailings", aliceMailing, map[string]any{"approval": "pending", "subject": "Buy <b>now</b>"})(t, app)
	set("mailings", bobMailing, map[string]any{"approval": "pending"})(t, app)

	if !digest(now) {
		t.Fatal("no digest for two waiting mailings")
	}
	msgs := app.TestMailer.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want one to each of the two moderators", len(msgs))
	}
	var to []string
	for _, m := range msgs {
		to = append(to, m.To[0].Address)
		for _, part := range []string{m.Subject, m.HTML, m.Text} {
			if strings.Contains(part, "Buy") || strings.Contains(part, "bob news") {
				t.Errorf("the digest carries a subject a user typed: %q", part)
			}
		}
		for _, want := range []string{"alice@example.com", "bob@example.com", "/moderation/approvals", ": 2 ("} {
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("the digest does not say %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.Subject, ": 2") {
			t.Errorf("subject %q does not give the count", m.Subject)
		}
	}
	if strings.Join(to, " ") != "mod2@example.com mod@example.com" && strings.Join(to, " ") != "mod@example.com mod2@example.com" {
		t.Errorf("mailed %v, want the two moderators", to)
	}

	// within the hour: nothing more, even for a new one (the time is read
	// from the database at each call: a restart forgets nothing)
	set("mailings", bellaMailing, map[string]any{"approval": "pending"})(t, app)
	if digest(now.Add(59*time.Minute)) || app.TestMailer.TotalSend() != 2 {
		t.Fatalf("a second digest within the hour (%d mails)", app.TestMailer.TotalSend())
	}
	if !digest(now.Add(61*time.Minute)) || app.TestMailer.TotalSend() != 4 {
		t.Fatalf("no digest an hour later for the mailing that started waiting since (%d mails)", app.TestMailer.TotalSend())
	}
	if digest(now.Add(3*time.Hour)) || app.TestMailer.TotalSend() != 4 {
		t.Fatalf("a digest with nothing new waiting (%d mails)", app.TestMailer.TotalSend())
	}
}
