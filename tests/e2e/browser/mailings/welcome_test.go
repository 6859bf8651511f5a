package mailings

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A welcome window made in the form in Russian on a phone: a daily window
// of a mailing that names no one is refused beside the lists; "when a
// client joins a list" shows the list and the delay (and hides the days of
// the week), and the mailing saves naming no one of its own, its window
// with its list and its delay in minutes, the
// mailing's page says it, a client who joins the list then shows there
// as a welcome run of the day, and the import page offers the welcome
// once a list is chosen. Nothing is wider than the screen.
func TestBrowserAWelcomeWindowInRussianOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "welcome-ru@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Подписчики"})
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Другие"})
	e2e.LogInAs(t, ctx, in, "welcome-ru@example.com")

	join := `.window .join`
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelector('`+join+`').hidden`))
	now := time.Now().UTC()
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"mailing-subject": "Добро пожаловать"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Рады вам."),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=period]').value = 'daily';
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.AddDate(0, 0, 30).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"),
		e2e.Until(`document.querySelector('#mailing-lists-error').textContent !== ''`),
	)...)
	e2e.MustContain(t, "a daily window with no one to send to", e2e.Page(t, ctx, "#mailing-lists-error"),
		"Выберите хотя бы один список или клиента")
	if n := len(records(in, token, "mailings", "")); n != 0 {
		t.Fatalf("%d mailings saved, want none", n)
	}
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Evaluate[chromedp.Void](`(() => { const p = document.querySelector('.window [name=period]');
			p.value = 'on_join'; p.dispatchEvent(new Event('change')); })()`),
		chromedp.WaitVisible(join),
		e2e.Until(`document.querySelector('.window .weekdays').hidden`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=list]').value = %q;
			w.querySelector('[name=delay_minutes]').value = '2';
			w.querySelector('[name=delay_unit]').value = '60'; })()`, list["id"])),
	)...)
	fields := e2e.Page(t, ctx, join)
	for _, want := range []string{"Список", "Через сколько после вступления отправить", "часов"} {
		e2e.MustContain(t, "the welcome's fields in Russian", fields, want)
	}
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the form is wider than the screen: %s", wide)
	}
	e2e.Screenshot(t, ctx, "phone-welcome-window.png")
	e2e.Page(t, ctx, "h1", chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))
	e2e.MustContain(t, "the mailing's windows", e2e.Page(t, ctx, "#mailing-windows"), "когда клиент вступает в список")
	if m := records(in, token, "mailings", ""); len(m) != 1 || len(m[0]["lists"].([]any)) != 0 || len(m[0]["clients"].([]any)) != 0 {
		t.Fatalf("the saved mailing: %v, want one naming no list and no client", m)
	}
	saved := records(in, token, "schedules", "")
	if len(saved) != 1 || saved[0]["period"] != "on_join" || saved[0]["list"] != list["id"] || saved[0]["delay_minutes"] != float64(120) {
		t.Fatalf("the saved window: %v, want on_join of the list, 120 minutes", saved)
	}

	// a client joins: the page shows the day's welcome run
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "new@example.org", "lists": []any{list["id"]}})
	id := e2e.Eval[string](t, ctx, `new URLSearchParams(location.search).get('id')`)
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+id),
		e2e.Until(`!!document.querySelector('#runs-table tr[data-kind=welcome]')`))
	e2e.MustContain(t, "the welcome run", e2e.RowsOf(t, ctx, "#runs-table")[0], "приветствие: вступившие")
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("the mailing's page on a phone: %s", wide)
	}
	e2e.Screenshot(t, ctx, "phone-welcome-run.png")

	// the import page offers the welcome once a list is chosen
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients/import"), chromedp.WaitReady("#import-list"),
		e2e.Until(`document.querySelectorAll('#import-list option').length === 3`),
		e2e.Until(`document.querySelector('#import-welcome').closest('.field').hidden`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#import-list');
			s.value = %q; s.dispatchEvent(new Event('change')); })()`, list["id"])),
		chromedp.WaitVisible("#import-welcome"))
	e2e.MustContain(t, "the import's welcome", e2e.Page(t, ctx, "#import"), "Отправить приветственные рассылки этого списка")
}

// A daily mailing to a list turned into a welcome mailing in one save of
// its form: its daily window removed, its list unticked, a welcome window
// of the list added. It saves naming no one, with the welcome window only.
func TestBrowserADailyMailingBecomesAWelcomeOne(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "turn@example.com")
	m := mailingToAList(in, token, "Hello")
	list := m["lists"].([]any)[0].(string)
	start := time.Now().UTC().Add(time.Hour)
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{"mailing": m["id"], "period": "daily",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.AddDate(0, 0, 7).Format("2006-01-02 15:04:05.000Z")})
	e2e.LogInAs(t, ctx, in, "turn@example.com")

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit?id="+m["id"].(string)), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelector('#mailing-lists input:checked') != null`),
		chromedp.Click(`#mailing-lists input[type=checkbox][value="`+list+`"]`),
		chromedp.Click(`#windows .window button.danger`), e2e.Until(`document.querySelectorAll('#windows .window').length === 0`),
		chromedp.Click("#add-window"), e2e.Until(`document.querySelectorAll('#windows .window').length === 1`),
		setWindowN(0, start, start.AddDate(0, 1, 0)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			const p = w.querySelector('[name=period]'); p.value = 'on_join'; p.dispatchEvent(new Event('change'));
			w.querySelector('[name=list]').value = %q; w.querySelector('[name=delay_minutes]').value = '0'; })()`, list)),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"),
	)...)
	saved := records(in, token, "schedules", "")
	if len(saved) != 1 || saved[0]["period"] != "on_join" || saved[0]["list"] != list {
		t.Fatalf("the windows: %v, want one welcome window of the list", saved)
	}
	if ms := records(in, token, "mailings", ""); len(ms) != 1 || len(ms[0]["lists"].([]any)) != 0 {
		t.Fatalf("the mailing: %v, want it naming no list", ms)
	}
	e2e.MustContain(t, "the mailing's windows", e2e.Page(t, ctx, "#mailing-windows"), "when a client joins a list")
}
