package wake

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A service open to the public (issue 26's "done when"): approval for new
// users and a daily limit of 1,000 for new accounts. A new account imports
// 5,000 clients and mails them: a pass sends nothing until a moderator
// approves it, the next sends exactly 1,000 and leaves the run waiting,
// another the same day sends nothing more; once a moderator lifts the
// limit the other 4,000 go out, and every client has had one message.
// (The next day's 1,000 is the dispatch package's test clock's to show:
// TestADailyLimitHoldsARunUntilTheOwnersNextMidnight.)
func TestAPublicServiceHoldsANewAccountToApprovalAndItsLimit(t *testing.T) {
	const clients, limit = 5000, 1000
	srv := smtptest.Start(t)
	env := e2e.SMTPServeEnv(srv)
	env["POSTRIDER_DISPATCH_CRON"] = "off" // passes by `postrider dispatch`, when the test chooses
	env["POSTRIDER_APPROVAL"] = "new_users"
	env["POSTRIDER_NEW_USER_DAILY_LIMIT"] = fmt.Sprint(limit)
	env["POSTRIDER_DISPATCH_WORKERS"] = "8"
	in := e2e.Serve(t, env)
	in.SMTP = srv
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "newcomer@example.com")
	ownerID := e2e.UserID(t, in, owner)
	// the owner's day: a zone where it is about noon now, so that the
	// test's passes fall in one day of the owner's whatever the hour
	offset := 12 - time.Now().UTC().Hour()
	zone := map[bool]string{true: fmt.Sprintf("Etc/GMT%+d", -offset), false: "UTC"}[offset != 0]
	in.Must(200, "PATCH", "/api/collections/users/records/"+ownerID, owner, map[string]any{"timezone": zone})
	mod := e2e.ConfirmedUser(t, in, "mod@example.com")
	in.Must(200, "PATCH", "/api/collections/users/records/"+e2e.UserID(t, in, mod), su, map[string]any{"role": "moderator"})

	list := in.Must(200, "POST", "/api/collections/lists/records", owner, map[string]any{"name": "Everyone"})["id"].(string)
	var csv strings.Builder
	csv.WriteString("email\n")
	for i := range clients {
		fmt.Fprintf(&csv, "c%d@example.org\n", i)
	}
	body := new(bytes.Buffer)
	form := multipart.NewWriter(body)
	file, _ := form.CreateFormFile("file", "clients.csv")
	io.WriteString(file, csv.String())
	form.Close()
	req, _ := http.NewRequest("POST", in.URL+"/api/postrider/clients/import?list="+list, body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", owner)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the import: %v %v", res, err)
	}
	res.Body.Close()

	m := in.Must(200, "POST", "/api/collections/mailings/records", owner,
		map[string]any{"subject": "Hello", "body": "<p>Hello, {{email}}.</p>", "lists": []any{list}})
	mailing := m["id"].(string)
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", owner, map[string]any{
		"mailing": mailing, "period": "once", "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
		"ends_at": start.Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	// the owner can neither approve nor lift the limit
	in.Must(400, "PATCH", "/api/collections/mailings/records/"+mailing, owner, map[string]any{"approval": "approved"})
	in.Must(403, "PATCH", "/api/collections/users/records/"+ownerID, owner, map[string]any{"daily_limit": 0})

	mine := func() []smtptest.Message {
		var out []smtptest.Message
		for _, msg := range srv.Messages() {
			if strings.HasSuffix(msg.To[0], "@example.org") {
				out = append(out, msg)
			}
		}
		return out
	}
	pass := func(what string) {
		t.Helper()
		if r := e2e.RunDispatch(t, env, in.DataDir); r.Code != 0 {
			t.Fatalf("%s: %s", what, r)
		}
	}
	pass("a pass while the mailing waits for approval")
	if n := len(mine()); n != 0 {
		t.Fatalf("%d messages went out before approval", n)
	}

	in.Must(200, "PATCH", "/api/collections/mailings/records/"+mailing, mod, map[string]any{"approval": "approved"})
	pass("the pass once approved")
	runOf := func() map[string]any {
		var page struct{ Items []map[string]any }
		in.Call("GET", "/api/collections/runs/records?filter="+url.QueryEscape("mailing='"+mailing+"'"), owner, nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("runs: %v", page.Items)
		}
		return page.Items[0]
	}
	if n, run := len(mine()), runOf(); n != limit || run["status"] != "waiting" || run["sent"] != float64(limit) {
		t.Fatalf("after the approved pass: %d messages, run %v %v sent; want %d and waiting", n, run["status"], run["sent"], limit)
	}
	pass("another pass the same day")
	if n := len(mine()); n != limit {
		t.Fatalf("a second pass the same day: %d messages; want %d", n, limit)
	}

	in.Must(200, "PATCH", "/api/collections/users/records/"+ownerID, mod, map[string]any{"daily_limit": 0, "reason": "Known sender"})
	pass("the pass once the limit is lifted")
	got := mine()
	each := e2e.PerRecipient(t, got)
	if len(got) != clients || len(each) != clients {
		t.Fatalf("%d messages to %d clients; want each of %d once", len(got), len(each), clients)
	}
	if run := runOf(); run["status"] != "done" || run["sent"] != float64(clients) || run["failed"] != float64(0) {
		t.Fatalf("the run at the end: %v", run)
	}
}
