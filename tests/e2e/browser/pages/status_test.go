package pages

// A mailing's state in one word wherever it shows: the owner's list and
// the mailing's page, the moderators' list, the calendar.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// every state's words, to find a second one beside the one wanted
var stateWords = []string{"created", "scheduled", "sending", "paused", "waiting", "stopped", "completed", "running", "pending approval", "rejected"}

// oneState fails unless the text of a mailing's state (its first line)
// is want and no other state's word shows beside it.
func oneState(t *testing.T, where, text, want string) {
	t.Helper()
	first := strings.TrimSpace(strings.Split(strings.TrimSpace(text), "\n")[0])
	if first != want {
		t.Errorf("%s: the state says %q, want %q", where, text, want)
		return
	}
	rest := strings.ToLower(strings.Replace(strings.ToLower(text), want, "", 1))
	for _, w := range stateWords {
		if strings.Contains(rest, w) && !strings.Contains(want, w) {
			t.Errorf("%s: beside %q the state also says %q (%q)", where, want, w, text)
		}
	}
}

func TestBrowserAMailingShowsOneState(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.org")
	ownerID := e2e.UserID(t, in, owner)
	mod, _ := moderatorAccount(t, in, su, "moderator@example.org")
	later := time.Now().UTC().Add(72 * time.Hour)

	client := in.Must(200, "POST", "/api/collections/clients/records", owner, map[string]any{"email": "first@example.org"})["id"]
	created := in.Must(200, "POST", "/api/collections/mailings/records", owner, map[string]any{"subject": "No window yet", "body": "<p>Hi</p>", "clients": []any{client}})["id"].(string)
	scheduled := mailingAt(t, in, owner, "Next week", "<p>Hi</p>", later, "a@example.org")
	stopped := mailingAt(t, in, owner, "Stopped one", "<p>Hi</p>", later, "b@example.org")
	in.Must(200, "PATCH", "/api/collections/mailings/records/"+stopped, mod, map[string]any{"stopped": true, "stop_reason": "Spam"})
	// one whose run sends now, and one whose run waits for tomorrow's limit
	runOf := func(subject, status, email string) string {
		id := mailingAt(t, in, owner, subject, "<p>Hi</p>", later, email)
		in.Must(200, "PATCH", "/api/collections/mailings/records/"+id, su, map[string]any{"status": "running"})
		ws := in.Must(200, "GET", "/api/collections/schedules/records?filter="+fmt.Sprintf("mailing%%3D'%s'", id), owner, nil)
		in.Must(200, "POST", "/api/collections/runs/records", su, map[string]any{
			"owner": ownerID, "mailing": id, "schedule": ws["items"].([]any)[0].(map[string]any)["id"],
			"run_at": time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z"), "status": status, "total": 3, "sent": 1,
			"started_at": time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z"),
		})
		return id
	}
	sending := runOf("Going out", "sending", "c@example.org")
	waiting := runOf("Over the limit", "waiting", "d@example.org")
	want := map[string]string{created: "created", scheduled: "scheduled", stopped: "stopped by a moderator", sending: "sending", waiting: "waiting"}

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "owner@example.org")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", len(want)))
	for id, w := range want {
		oneState(t, "the list", e2e.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#mailings-table tr[data-id=%q] td.state').innerText`, id)), w)
	}
	for _, id := range []string{stopped, sending} {
		e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+id), e2e.Until(`!!document.querySelector('#mailing-summary dd')`))
		state := e2e.Page(t, ctx, "#mailing-state")
		oneState(t, "the mailing's page", state, want[id])
		if strings.Contains(state, "·") {
			t.Errorf("the mailing's page: a stray dot in %q", state)
		}
	}
	// the calendar names the stopped one by the same words (its answer says
	// that it is held, not by whom)
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/calendar?month="+later.Format("2006-01")),
		e2e.Until(fmt.Sprintf(`!!document.querySelector('.calendar-grid li[data-mailing=%q]')`, stopped)))
	oneState(t, "the calendar", e2e.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('.calendar-grid li[data-mailing=%q] .badge').innerText`, stopped)), "stopped")

	// the moderators' list says the same
	mctx := e2e.Browser(t)
	e2e.LogInAs(t, mctx, in, "moderator@example.org")
	e2e.Page(t, mctx, "h1", chromedp.Navigate(in.URL+"/moderation/mailings"), e2e.WaitRows("#mod-mailings-table", len(want)))
	for id, w := range want {
		oneState(t, "the moderators' list", e2e.Eval[string](t, mctx, fmt.Sprintf(`document.querySelector('#mod-mailings-table tr[data-id=%q] td.state').innerText`, id)), w)
	}
}
