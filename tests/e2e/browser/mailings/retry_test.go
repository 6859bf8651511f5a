package mailings

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// finishedRunWithFailures gives the user of token a mailing to three
// clients and a finished run of it, as the dispatcher leaves one: one sent,
// one failed after 421 replies until its time was up, one cut after the
// whole message (it may have arrived). It returns the mailing's id.
func finishedRunWithFailures(t *testing.T, in *e2e.Instance, token, root, prefix string) string {
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	var clients []map[string]any
	for _, name := range []string{"sent", "busy", "cut"} {
		clients = append(clients, in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{
			"email": prefix + "-" + name + "@example.org", "lists": []any{list["id"]}}))
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Retry " + prefix, "body": "<p>Hi</p>", "lists": []any{list["id"]}})
	at := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")
	run := in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{
		"owner": m["owner"], "mailing": m["id"], "run_at": at, "status": "done", "kind": "scheduled",
		"total": 3, "sent": 1, "failed": 2, "started_at": at, "finished_at": at})
	for i, d := range []map[string]any{
		{"status": "sent", "attempts": 1, "response": "250 2.0.0 Ok", "sent_at": at},
		{"status": "failed", "attempts": 4, "response": "failed after 4 attempts (tried for 5 days since the run began); the last: 421 4.3.0 Try again later"},
		{"status": "failed", "attempts": 2, "unconfirmed": true, "response": "not tried again: EOF; it may have arrived (tried for 5 days since the run began)"},
	} {
		d["owner"], d["mailing"], d["run"], d["client"], d["email"], d["run_at"] = m["owner"], m["id"], run["id"], clients[i]["id"], clients[i]["email"], at
		in.Must(200, "POST", "/api/collections/deliveries/records", root, d)
	}
	return m["id"].(string)
}

// A finished run with failures that may pass offers to send them again: the
// button counts them, the dialog asks whether those that may have arrived
// go too, and Send makes a retry run that serve sends at once and the
// table shows as such, the button gone (English on a desktop, with the
// unconfirmed one; Russian on a phone, without, nothing past the screen).
func TestBrowserSendsAFinishedRunAgainToThoseThatFailed(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	in := e2e.Serve(t, e2e.SMTPServeEnv(smtp)) // serve dispatches: the retry goes at once
	in.SMTP = smtp
	root := e2e.SuperuserToken(t, in)
	for _, c := range []struct {
		screen      e2e.Screen
		lang, who   string
		button      string
		dialog      []string
		unconfirmed bool
		kind        string
		reached     []string
	}{
		{e2e.Desktop, "en", "retry-en", "Send again to the 1 that failed",
			[]string{"may pass now (refused for now, a server down): 1", "Also those that may have arrived (the whole message went out and no reply came): 1"},
			true, "retry of the run of", []string{"retry-en-busy@example.org", "retry-en-cut@example.org"}},
		{e2e.Phone, "ru", "retry-ru", "Отправить повторно не дошедшим: 1",
			[]string{"Не дошли по причинам, которые могли пройти", "Также те, что могли дойти"},
			false, "повтор рассылки от", []string{"retry-ru-busy@example.org"}},
	} {
		t.Run(c.screen.Name, func(t *testing.T) {
			token := e2e.ConfirmedUser(t, in, c.who+"@example.com")
			id := finishedRunWithFailures(t, in, token, root, c.who)
			before := len(smtp.Messages())
			if c.screen.Phone { // the first account leaves
				e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`localStorage.clear()`))
			}
			e2e.LogInAs(t, ctx, in, c.who+"@example.com")
			e2e.Page(t, ctx, "h1", c.screen.Size, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('postrider.lang', %q)`, c.lang)),
				chromedp.Navigate(in.URL+"/mailing?id="+id), chromedp.WaitVisible("#runs-table button.retry"))
			e2e.MustContain(t, "the button", e2e.Page(t, ctx, "#runs-table button.retry"), c.button)
			e2e.Page(t, ctx, "h1", chromedp.Click("#runs-table button.retry"), chromedp.WaitVisible("#retry-dialog"))
			dialog := e2e.Page(t, ctx, "#retry-dialog")
			for _, want := range c.dialog {
				e2e.MustContain(t, "the dialog", dialog, want)
			}
			if !c.screen.Phone {
				e2e.Screenshot(t, ctx, "mailing-retry.png")
			}
			if c.screen.Phone {
				if wide := e2e.Overflowing(t, ctx); wide != "" {
					t.Errorf("on a phone, past the screen: %s", wide)
				}
			}
			steps := []chromedp.Action[chromedp.Void]{}
			if c.unconfirmed {
				steps = append(steps, chromedp.Click("#retry-unconfirmed"))
			}
			steps = append(steps, chromedp.Click("#retry-form button[type=submit]"), e2e.WaitRows("#runs-table", 2),
				e2e.Until(`document.querySelector('#runs-table tr[data-kind="retry"]')?.dataset.status === 'done'`))
			e2e.Page(t, ctx, "h1", steps...)
			if e2e.Eval[bool](t, ctx, `!!document.querySelector('#retry-dialog')`) {
				t.Error("the dialog stays open after Send")
			}
			e2e.MustContain(t, "the retry run's row", e2e.Page(t, ctx, `#runs-table tr[data-kind="retry"]`), c.kind)
			if n := e2e.Eval[float64](t, ctx, `document.querySelectorAll('#runs-table button.retry').length`); n != 0 {
				t.Errorf("%v Send again buttons after the retry, want none", n)
			}
			var got []string
			for _, msg := range smtp.Messages()[before:] {
				for _, to := range msg.To {
					if strings.HasSuffix(to, "@example.org") { // the clients, not the account's own mail
						got = append(got, to)
					}
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.reached) {
				t.Errorf("the retry reached %v, want %v", got, c.reached)
			}
		})
	}
}
