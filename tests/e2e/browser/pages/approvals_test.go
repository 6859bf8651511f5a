package pages

// Approval of new senders in Chromium, against the real binary with
// POSTRIDER_APPROVAL=new_users: the moderators' queue (approve one, reject
// one with a reason; in English on a desktop, in Russian on a phone), and
// the owner who sees the rejection's reason.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// serveWithApproval is e2e.ServeWithSMTP with new users' mailings waiting
// for a moderator.
func serveWithApproval(t *testing.T) (*e2e.Instance, map[string]string, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	env := e2e.SMTPServeEnv(smtp)
	env["POSTRIDER_DISPATCH_CRON"] = "off"
	env["POSTRIDER_APPROVAL"] = "new_users"
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	return in, env, smtp
}

// approvalsShown waits until the queue shows n mailings (or says none waits).
func approvalsShown(n int) chromedp.Action[chromedp.Void] {
	if n == 0 {
		return chromedp.WaitVisible("#approvals-list p.empty")
	}
	return e2e.Until(fmt.Sprintf(`document.querySelectorAll('#approvals-list article.approval').length === %d`, n))
}

func TestBrowserModeratorApprovesOneMailingAndRejectsAnother(t *testing.T) {
	ctx := e2e.Browser(t)
	in, env, smtp := serveWithApproval(t)
	su := e2e.SuperuserToken(t, in)
	club := e2e.ConfirmedUser(t, in, "club@example.com")
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	clubID := mailingNow(t, in, club, "Club news", "<p>On Friday.</p>", "c2@example.org")
	saleID := mailingNow(t, in, owner, "Summer sale", `<p>Everything must go.</p><p><img src="https://tracker.example/p.gif" alt="pixel"></p>`, "c1@example.org")

	e2e.LogInAs(t, ctx, in, "mod@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Click(`#header a[href="/moderation/mailings"]`), chromedp.WaitVisible("#mod-tabs"),
		chromedp.Click(`#mod-tabs a[href="/moderation/approvals"]`), approvalsShown(2))
	first := e2e.Page(t, ctx, "#approvals-list article.approval:first-of-type")
	for _, want := range []string{"Club news", "club@example.com", "Recipients now: 1", "once", "On Friday."} {
		e2e.MustContain(t, "the mailing waiting longest, first", first, want)
	}
	sale := e2e.Page(t, ctx, fmt.Sprintf(`#approvals-list article[data-id=%q]`, saleID))
	for _, want := range []string{"Summer sale", "owner@example.com", "0 messages sent", "image not loaded: https://tracker.example/p.gif"} {
		e2e.MustContain(t, "the second mailing", sale, want)
	}
	if n := e2e.Eval[int](t, ctx, `document.images.length`); n != 0 {
		t.Fatalf("the queue shows %d images: a tracking pixel would learn who reviewed it", n)
	}
	e2e.Screenshot(t, ctx, "moderation-approvals.png")

	// approve the first, reject the other with a reason
	e2e.Page(t, ctx, "h1", chromedp.Click(fmt.Sprintf(`#approvals-list article[data-id=%q] button.approve`, clubID)), approvalsShown(1))
	e2e.MustContain(t, "the approval's answer", e2e.Page(t, ctx, "#approvals-status"), "“Club news” is approved")
	reject := fmt.Sprintf(`#approvals-list article[data-id=%q] button.reject`, saleID)
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Click(reject), giveReason("Bought addresses"), approvalsShown(0))...)
	e2e.MustContain(t, "the rejection's answer", e2e.Page(t, ctx, "#approvals-status"), "“Summer sale” is rejected")

	// what goes out: the approved one only
	if out := dispatchOnce(t, in, env); messagesAbout(t, smtp, "Club news") != 1 || messagesAbout(t, smtp, "Summer sale") != 0 {
		t.Fatalf("after the decisions: %s", out)
	}
	// the log keeps both
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/log"]`), e2e.WaitRows("#mod-log-table", 2))
	log := e2e.RowsOf(t, ctx, "#mod-log-table")
	e2e.MustContain(t, "the newest entry", log[0], "mod@example.com | rejected a mailing | owner@example.com | Summer sale | Bought addresses")
	e2e.MustContain(t, "the first entry", log[1], "mod@example.com | approved a mailing | club@example.com | Club news")

	// the moderator trusts the club's owner, with a reason: their next
	// mailing needs no approval (the approved one stays as it is)
	trust := `#mod-users-table tr[data-id] td.actions button.trust`
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/users"]`), chromedp.SendKeys("#mod-users-q", "club@"),
		chromedp.Click("#mod-users-filters button[type=submit]"), e2e.WaitRows("#mod-users-table", 1))
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.RowMenu("#mod-users-table tr[data-id]"), chromedp.Click(trust), giveReason("Known sports club"),
		e2e.Until(`document.querySelector('#mod-users-table button.trust')?.innerText === 'Untrust'`))...)
	e2e.MustContain(t, "the trusted row", e2e.RowsOf(t, ctx, "#mod-users-table")[0], "club@example.com")
	if m := in.Must(200, "POST", "/api/collections/mailings/records", club, map[string]any{"subject": "Next match", "body": "<p>Sunday</p>",
		"clients": []any{in.Must(200, "POST", "/api/collections/clients/records", club, map[string]any{"email": "c3@example.org"})["id"]}}); m["approval"] != "" {
		t.Fatalf("a trusted user's new mailing: approval %v, want none", m["approval"])
	}
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/log"]`), e2e.WaitRows("#mod-log-table", 3))
	e2e.MustContain(t, "the trust in the log", e2e.RowsOf(t, ctx, "#mod-log-table")[0], "mod@example.com | trusted | club@example.com |  | Known sports club")

	// the owner sees the rejection and its reason, in the list and on the page
	octx := e2e.Browser(t)
	e2e.LogInAs(t, octx, in, "owner@example.com")
	e2e.Page(t, octx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	row := e2e.RowsOf(t, octx, "#mailings-table")[0]
	for _, want := range []string{"rejected by a moderator", "rejected: Bought addresses", "never: rejected"} {
		e2e.MustContain(t, "the owner's list", row, want)
	}
	e2e.Page(t, octx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), chromedp.WaitVisible("#mailing-state"))
	e2e.MustContain(t, "the owner's mailing page", e2e.Page(t, octx, "#mailing-state"), "rejected: Bought addresses")
	e2e.Screenshot(t, octx, "mailing-rejected.png")

	// an edit of the subject asks again: the owner sees it wait
	in.Must(200, "PATCH", "/api/collections/mailings/records/"+saleID, owner, map[string]any{"subject": "Summer sale, from our own list"})
	e2e.Page(t, octx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	e2e.MustContain(t, "the owner's list after an edit", e2e.RowsOf(t, octx, "#mailings-table")[0], "| pending approval |")
}

func TestBrowserTheApprovalQueueInRussianOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in, _, _ := serveWithApproval(t)
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	id := mailingNow(t, in, owner, "Распродажа "+strings.Repeat("очень длинная ", 6), "<p>Всё по "+strings.Repeat("полцены-", 20)+"</p>", "c1@example.org")

	e2e.LogInAs(t, ctx, in, "mod@example.com")
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/moderation/approvals"), approvalsShown(1), e2e.Speak("ru"), approvalsShown(1))
	e2e.MustContain(t, "the title", e2e.Page(t, ctx, "h1"), "Рассылки ждут одобрения")
	item := e2e.Page(t, ctx, "#approvals-list article.approval")
	for _, want := range []string{"Получателей сейчас: 1", "owner@example.com", "Одобрить", "Отклонить"} {
		e2e.MustContain(t, "the mailing in Russian", item, want)
	}
	if wide := e2e.Eval[bool](t, ctx, `document.documentElement.scrollWidth > innerWidth`); wide {
		t.Fatal("the queue is wider than the phone")
	}
	e2e.Screenshot(t, ctx, "moderation-approvals-phone-ru.png")
	reject := fmt.Sprintf(`#approvals-list article[data-id=%q] button.reject`, id)
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Click(reject), giveReason("Купленная база"), approvalsShown(0))...)
	e2e.MustContain(t, "nothing waits", e2e.Page(t, ctx, "#approvals-list"), "Ни одна рассылка не ждёт одобрения.")
	m := in.Must(200, "GET", "/api/collections/mailings/records/"+id, owner, nil)
	if m["approval"] != "rejected" || m["approval_reason"] != "Купленная база" {
		t.Fatalf("the mailing after the rejection on a phone: %v", m)
	}
}
