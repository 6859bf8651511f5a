package serve

// Approval of new senders through the real binary: a new user's mailing
// waits for a moderator (POSTRIDER_APPROVAL=new_users), sends nothing while
// it waits, and reaches each client once after the moderator approves it
// through the API.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

func TestServeANewUsersMailingWaitsForApproval(t *testing.T) {
	smtp := smtptest.Start(t)
	env := e2e.SMTPServeEnv(smtp)
	env["POSTRIDER_DISPATCH_CRON"] = "off" // the test sends with `postrider dispatch`, when it chooses
	env["POSTRIDER_APPROVAL"] = "new_users"
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "new@example.com")
	mod := e2e.ConfirmedUser(t, in, "mod@example.com")
	in.Must(200, "PATCH", "/api/collections/users/records/"+e2e.UserID(t, in, mod), su, map[string]any{"role": "moderator"})

	var clients []any
	emails := []string{"c1@example.org", "c2@example.org", "c3@example.org"}
	for _, e := range emails {
		clients = append(clients, in.Must(200, "POST", "/api/collections/clients/records", owner, map[string]any{"email": e})["id"])
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", owner, map[string]any{"subject": "Welcome", "body": "<p>Hello</p>", "clients": clients})
	id := m["id"].(string)
	if m["approval"] != "pending" {
		t.Fatalf("a new user's mailing: approval %v, want pending", m["approval"])
	}
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", owner, map[string]any{
		"mailing": id, "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(24 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	in.Must(400, "PATCH", "/api/collections/mailings/records/"+id, owner, map[string]any{"approval": "approved"})

	mails := len(smtp.Messages()) // the confirmations
	if r := e2e.RunDispatch(t, env, in.DataDir); r.Code != 0 || len(smtp.Messages()) != mails {
		t.Fatalf("a pass while the mailing waits: %s; the server got %d messages more", r, len(smtp.Messages())-mails)
	}
	// the moderators' digest is one of serve's jobs (its mail is hooks' test)
	var crons []struct{ ID string }
	if code := in.Call("GET", "/api/crons", su, nil, &crons); code != 200 || !strings.Contains(fmt.Sprint(crons), "postrider_approval_digest") {
		t.Fatalf("serve's jobs (%d): %v, want the approval digest among them", code, crons)
	}
	queue := in.Must(200, "GET", "/api/postrider/moderation/approvals", mod, nil)
	if queue["totalItems"] != float64(1) {
		t.Fatalf("the moderators' queue: %v", queue)
	}

	in.Must(200, "PATCH", "/api/collections/mailings/records/"+id, mod, map[string]any{"approval": "approved"})
	if r := e2e.RunDispatch(t, env, in.DataDir); r.Code != 0 || !strings.Contains(r.Stdout, "sent 3") {
		t.Fatalf("the pass once approved: %s", r)
	}
	e2e.Eventually(t, 30*time.Second, func() error {
		if got := len(smtp.Messages()) - mails; got < len(emails) {
			return fmt.Errorf("%d of %d messages arrived", got, len(emails))
		}
		return nil
	})
	counts := e2e.PerRecipient(t, smtp.Messages()[mails:])
	for _, e := range emails {
		if counts[e] != 1 {
			t.Fatalf("messages per client: %v, want one each", counts)
		}
	}
	if r := e2e.RunDispatch(t, env, in.DataDir); r.Code != 0 || len(smtp.Messages()) != mails+len(emails) {
		t.Fatalf("a later pass sent again: %s", r)
	}
}

// A value of POSTRIDER_APPROVAL the binary does not know stops it at once,
// naming the variable.
func TestServeRefusesAnUnknownApprovalMode(t *testing.T) {
	out, err := e2e.Run(t, map[string]string{"POSTRIDER_APPROVAL": "sometimes"}, "serve", "--dir", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "POSTRIDER_APPROVAL") || !strings.Contains(string(out), "new_users") {
		t.Fatalf("serve with POSTRIDER_APPROVAL=sometimes: %v\n%s", err, out)
	}
}
