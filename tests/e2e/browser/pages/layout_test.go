package pages

// The web app's layout as a newcomer meets it, on a desktop (1280 pixels
// wide) and a phone (390×844), in English and Russian: the header, the
// tables, the clients page, loading, field errors and the logs chart.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/seed"
)

// layoutInstance is a service with the seeded owner (n clients in the list
// "Everyone", the mailing "Seeded mailing") and six deliveries of that
// mailing in two runs: on 2027-03-01 three sent and one failed, on
// 2027-03-03 two sent;
// the browser is logged in as the owner.
func layoutInstance(t *testing.T, n int) (*e2e.Instance, context.Context) {
	t.Helper()
	dir, due := e2e.Seeded(t, n)
	// the seeded mailing stays unsent: the pages show the runs below only
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, e2e.DataDirFiles(t, dir, "pb_data"))
	root := e2e.SuperuserToken(t, in)
	// two runs, done, with the counters the dispatcher leaves (the page's
	// chart and totals read them)
	runs := map[string]map[string]any{}
	for day, r := range map[string][2]int{"2027-03-01": {3, 1}, "2027-03-03": {2, 0}} {
		runs[day] = in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{
			"owner": due.User, "mailing": due.Mailing, "schedule": due.Schedule, "run_at": day + " 09:00:00.000Z", "status": "done",
			"total": r[0] + r[1], "sent": r[0], "failed": r[1], "started_at": day + " 09:00:00.000Z", "finished_at": day + " 10:00:01.000Z",
		})
	}
	for i, d := range []struct{ at, status string }{
		{"2027-03-01 09:00:01.000Z", "sent"}, {"2027-03-01 09:00:02.000Z", "sent"}, {"2027-03-01 09:00:03.000Z", "sent"},
		{"2027-03-01 09:00:04.000Z", "failed"}, {"2027-03-03 10:00:00.000Z", "sent"}, {"2027-03-03 10:00:01.000Z", "sent"},
	} {
		in.Must(200, "POST", "/api/collections/deliveries/records", root, map[string]any{
			"owner": due.User, "mailing": due.Mailing, "run": runs[d.at[:10]]["id"], "schedule": due.Schedule, "client": fmt.Sprintf("seed%011d", i+1),
			"email": fmt.Sprintf("client%d@example.test", i+1), "run_at": d.at[:10] + " 09:00:00.000Z",
			"status": d.status, "attempts": 1, "sent_at": d.at,
		})
	}
	ctx := e2e.Browser(t)
	e2e.Page(t, ctx, "h1", e2e.LogIn(in, seed.OwnerEmail, seed.OwnerPassword)...)
	return in, ctx
}

// inView is whether the element sel is wholly inside the viewport.
func inView(sel string) string {
	return fmt.Sprintf(`((e) => { const r = e.getBoundingClientRect();
		return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; })(document.querySelector(%q))`, sel)
}

// On a phone the header is one line (name, language, Menu) and its links
// appear after a tap on Menu, which says it is open (aria-expanded); a link
// followed closes it again. On a desktop it is one line with every link and
// no Menu button. In both languages.
func TestBrowserLayoutHeaderIsAMenuOnAPhone(t *testing.T) {
	in, ctx := layoutInstance(t, 1)
	// every visible piece of the header centred on one line
	const oneLine = `(() => { const items = [...document.querySelectorAll('#header > *')].filter(e => e.checkVisibility());
		const mid = (e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; };
		return items.length > 1 && items.every(e => Math.abs(mid(e) - mid(items[0])) < 8); })()`
	const link = `#nav a[href="/clients"]`
	for _, lang := range []string{"en", "ru"} {
		for _, s := range []e2e.Screen{e2e.Desktop, e2e.Phone} {
			t.Run(lang+" "+s.Name, func(t *testing.T) {
				e2e.Page(t, ctx, "h1", s.Size, chromedp.Navigate(in.URL+"/"), e2e.Until(`document.querySelector('#logout') != null`), e2e.Speak(lang))
				if !e2e.Eval[bool](t, ctx, oneLine) {
					t.Fatalf("the header is not one line: %v pixels high", e2e.Eval[float64](t, ctx, `document.querySelector('#header').offsetHeight`))
				}
				if !s.Phone {
					if e2e.Eval[bool](t, ctx, e2e.Visible("#menu")) || !e2e.Eval[bool](t, ctx, e2e.Visible(link)) {
						t.Fatal("the desktop header shows a Menu button, or hides its links")
					}
					return
				}
				if !e2e.Eval[bool](t, ctx, e2e.Visible("#menu")) || e2e.Eval[bool](t, ctx, e2e.Visible(link)) || !e2e.Eval[bool](t, ctx, e2e.Visible("#lang")) {
					t.Fatal("the phone's header: want Menu and the language switch shown, the links folded")
				}
				if got := e2e.Eval[string](t, ctx, `document.querySelector('#menu').getAttribute('aria-expanded')`); got != "false" {
					t.Fatalf("the folded menu says aria-expanded=%q", got)
				}
				e2e.Page(t, ctx, "h1", chromedp.Click("#menu"),
					e2e.Until(`document.querySelector('#menu').getAttribute('aria-expanded') === 'true'`), e2e.Until(e2e.Visible(link)))
				if !e2e.Eval[bool](t, ctx, e2e.Visible(`#nav #logout`)) {
					t.Fatal("the open menu does not show Log out")
				}
				if lang == "ru" {
					e2e.Screenshot(t, ctx, "phone-menu.png")
				}
				e2e.Page(t, ctx, "h1", chromedp.Click(link), e2e.Until(`location.pathname === '/clients'`),
					e2e.Until(`document.querySelector('#menu').getAttribute('aria-expanded') === 'false' && !`+e2e.Visible(link)))
			})
		}
	}
}

// On a phone every table's rows are cards whose cells each show their
// column's name before them (clients, lists, mailings, logs), in the page's
// language; a desktop keeps the header row and shows no such names.
func TestBrowserLayoutTablesAreLabelledCardsOnAPhone(t *testing.T) {
	in, ctx := layoutInstance(t, 2)
	label := func(table string, cell int) string {
		return e2e.Eval[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector('%s tbody tr').cells[%d], '::before').content`, table, cell))
	}
	tables := []struct {
		path, table string
		rows, cell  int
		en, ru      string
	}{
		{"/clients", "#clients-table", 2, 1, "Email", "Эл. почта"},
		{"/lists", "#lists-table", 1, 1, "Clients", "Клиентов"},
		{"/mailings", "#mailings-table", 1, 0, "Subject", "Тема"},
		{"/logs", "#logs-table", 6, 2, "Email", "Эл. почта"},
	}
	for _, lang := range []string{"en", "ru"} {
		e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#menu"), e2e.Speak(lang))
		for _, tb := range tables {
			want := map[string]string{"en": tb.en, "ru": tb.ru}[lang]
			e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+tb.path), e2e.WaitRows(tb.table, tb.rows))
			if got := label(tb.table, tb.cell); got != fmt.Sprintf("%q", want) {
				t.Errorf("%s on a phone in %s: the cell is labelled %s, want %q", tb.path, lang, got, want)
			}
			if d := e2e.Eval[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector('%s tbody tr')).display`, tb.table)); d != "block" {
				t.Errorf("%s on a phone: a row is displayed %q, not as a card", tb.path, d)
			}
			if lang == "en" && tb.path == "/clients" {
				e2e.Screenshot(t, ctx, "phone-clients.png")
			}
		}
	}
	// the clients' checkbox column has no words to show
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 2))
	if got := label("#clients-table", 0); got != "none" {
		t.Errorf("the checkbox cell is labelled %s", got)
	}
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 2))
	if got := label("#clients-table", 1); got != "none" || !e2e.Eval[bool](t, ctx, e2e.Visible("#clients-table thead th")) {
		t.Errorf("on a desktop the email cell is labelled %s, or the header row is hidden", got)
	}
}

// The clients page shows its table first (the form closed, the import on
// its own page); a client added lands on the page of the table where the
// case-insensitive order puts it, highlighted, and "Saved." shows inside
// the viewport — also on a phone, after an edit started from the bottom
// of the page, in Russian.
func TestBrowserLayoutClientsTableFirstSavedInView(t *testing.T) {
	in, ctx := layoutInstance(t, 60)
	add := func(email string) {
		e2e.Page(t, ctx, "h1", chromedp.Click("#clients-new"), e2e.Until(`document.activeElement?.id === 'client-email'`),
			chromedp.SendKeys("#client-email", email), chromedp.Click("#client button[type=submit]"),
			e2e.Until(fmt.Sprintf(`!!document.querySelector('#clients-table tr.fresh[data-email=%q]')`, email)))
	}

	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 50))
	if !e2e.Eval[bool](t, ctx, `document.querySelector('#clients-table tbody tr').getBoundingClientRect().top < innerHeight`) ||
		e2e.Eval[bool](t, ctx, e2e.Visible("#client")) || e2e.Eval[bool](t, ctx, `document.querySelector('#import-file') != null`) {
		t.Fatal("the clients page does not open on its table (the form open, or the import on the page)")
	}
	if href := e2e.Eval[string](t, ctx, `document.querySelector('#clients-import').getAttribute('href')`); href != "/clients/import" {
		t.Fatalf("the import is at %q", href)
	}
	// "Dora@…" comes after every "client…" whatever its capital: page 2
	add("Dora@example.org")
	e2e.MustContain(t, "the pager", e2e.Page(t, ctx, "#clients-page"), "Page 2 of 2 (61 clients)")
	e2e.MustContain(t, "the status", e2e.Page(t, ctx, "#clients-status"), "Saved: Dora@example.org.")
	if !e2e.Eval[bool](t, ctx, inView("#clients-status")) || e2e.Eval[bool](t, ctx, e2e.Visible("#client")) {
		t.Fatal(`after the save, "Saved." is out of view or the form still open`)
	}
	rows := e2e.RowsOf(t, ctx, "#clients-table")
	if !strings.Contains(rows[len(rows)-1], "Dora@example.org") || !strings.Contains(rows[len(rows)-2], "client9@example.test") {
		t.Fatalf("page 2 of the clients, in order: %q", rows)
	}

	// a phone, in Russian: "Bob@…" first on page 1; then an edit from the bottom
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 50), e2e.Speak("ru"), e2e.WaitRows("#clients-table", 50))
	add("Bob@example.org")
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); !strings.Contains(rows[0], "Bob@example.org") {
		t.Fatalf("the first row after adding Bob: %q", rows[0])
	}
	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.body.scrollHeight)`),
		chromedp.Click(`#clients-table tbody tr:last-child td.actions button.link:not(.danger)`),
		e2e.Until(`document.activeElement?.id === 'client-email'`),
		chromedp.SendKeys("#client-name", "Из самого низа"),
		chromedp.Click("#client button[type=submit]"),
		e2e.Until(`[...document.querySelectorAll('#clients-table tr.fresh')].some((r) => r.innerText.includes('Из самого низа'))`))
	e2e.MustContain(t, "the status after the edit", e2e.Page(t, ctx, "#clients-status"), "Сохранено: ")
	if !e2e.Eval[bool](t, ctx, inView("#clients-status")) {
		t.Fatal(`on a phone "Сохранено" is out of view after an edit`)
	}
}

// A field's error goes as soon as the user types into it, before sending:
// the browser's "Fill this in." (English, the lists form; Russian, the
// clients form) and the server's "already" alike.
func TestBrowserLayoutFieldErrorsGoWhenFixed(t *testing.T) {
	in, ctx := layoutInstance(t, 1)
	gone := func(id string) chromedp.Action[chromedp.Void] {
		return e2e.Until(fmt.Sprintf(`document.querySelector('#%s-error').textContent === '' && !%s
			&& !document.querySelector('#%s').hasAttribute('aria-invalid')`, id, e2e.Visible("#"+id+"-error"), id))
	}
	refused := func(id, says string) chromedp.Action[chromedp.Void] {
		return e2e.Until(fmt.Sprintf(`document.querySelector('#%s-error').innerText.includes(%q)`, id, says))
	}
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/lists"), e2e.WaitRows("#lists-table", 1),
		chromedp.Click("#new-list button[type=submit]"), refused("new-list-name", "Fill this in."),
		chromedp.SendKeys("#new-list-name", "N"), gone("new-list-name"))

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 1), e2e.Speak("ru"),
		chromedp.Click("#clients-new"), chromedp.Click("#client button[type=submit]"),
		refused("client-email", "Заполните это поле."),
		chromedp.SendKeys("#client-email", "client1@example.test"), gone("client-email"),
		chromedp.Click("#client button[type=submit]"), refused("client-email", "уже"),
		chromedp.SendKeys("#client-email", "x"), gone("client-email"))
}

// Lists, clients and logs say "Loading…" (in the page's language) while
// their rows are on the way, never a blank table: the test holds the
// page's requests until it has read the page.
func TestBrowserLayoutSaysLoading(t *testing.T) {
	in, ctx := layoutInstance(t, 1)
	const hold = `(() => { const f = window.fetch; const held = [];
		window.fetch = (...a) => new Promise((ok, no) => held.push(() => f(...a).then(ok, no)));
		window.release = () => { window.fetch = f; held.splice(0).forEach((go) => go()); }; })()`
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#logout"))
	for _, c := range []struct {
		lang, path, table, loading string
		rows                       int
	}{
		{"en", "/clients", "#clients-table", "Loading…", 1},
		{"en", "/logs", "#logs-table", "Loading…", 6},
		{"ru", "/lists", "#lists-table", "Загрузка…", 1},
		{"ru", "/logs", "#logs-table", "Загрузка…", 6},
	} {
		e2e.Page(t, ctx, "h1", e2e.Speak(c.lang), chromedp.Evaluate[chromedp.Void](hold),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('#nav a[href=%q]').click()`, c.path)),
			e2e.Until(fmt.Sprintf(`location.pathname === %q`, c.path)))
		if got := e2e.Page(t, ctx, c.table+" tbody"); got != c.loading {
			t.Errorf("%s in %s while loading shows %q", c.path, c.lang, got)
		}
		if c.path == "/logs" {
			e2e.MustContain(t, "the chart while loading", e2e.Page(t, ctx, "#logs-chart"), c.loading)
		}
		e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`window.release()`), e2e.WaitRows(c.table, c.rows))
	}
}

// The logs chart has counts up the side (a few round ticks), days along
// the bottom, axis titles and a legend, in the page's language and legible
// on a phone; its numbers are the table's (the same filters); the text
// alternative lists them.
func TestBrowserLayoutLogsChartHasAxesAndALegend(t *testing.T) {
	in, ctx := layoutInstance(t, 1)
	texts := func(sel string) string {
		return strings.Join(e2e.Eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#logs-chart %s')].map(e => e.textContent)`, sel)), " | ")
	}
	for _, c := range []struct {
		s                               e2e.Screen
		lang, days, legend, axes, total string
	}{
		{e2e.Desktop, "en", "Mar 1 | Mar 2 | Mar 3", "Sent | Failed", "Messages | Day", "(6 messages)"},
		{e2e.Phone, "ru", "1 мар. | 2 мар. | 3 мар.", "Отправлено | Ошибки", "Писем | День", "(писем: 6)"},
	} {
		e2e.Page(t, ctx, "h1", c.s.Size, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#lang"), e2e.Speak(c.lang),
			chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 6), chromedp.WaitVisible("#logs-chart svg"))
		for what, got := range map[string][2]string{
			"count ticks": {texts("text.tick.y"), "0 | 1 | 2 | 3 | 4"},
			"day ticks":   {texts("text.tick.x"), c.days},
			"legend":      {texts(".legend li"), c.legend},
			"axis titles": {texts("text.axis-title"), c.axes},
		} {
			if got[0] != got[1] {
				t.Errorf("%s %s: the chart's %s are %q, want %q", c.lang, c.s.Name, what, got[0], got[1])
			}
		}
		e2e.MustContain(t, "the table's pager", e2e.Page(t, ctx, "#logs-page"), c.total)
		if h := e2e.Eval[float64](t, ctx, `document.querySelector('#logs-chart text.tick.y').getBoundingClientRect().height`); h < 10 {
			t.Errorf("%s: the ticks are %.1f pixels high", c.s.Name, h)
		}
	}
	data := texts(".chart-data li")
	e2e.MustContain(t, "the chart's text alternative", data, "2027-03-01: отправлено 3, ошибок 1 | 2027-03-03: отправлено 2, ошибок 0")

	// the failed ones only: the table's one row, the chart's one red bar
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, e2e.Speak("en"),
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#logs-status-filter').value = 'failed';
			document.querySelector('#logs-filters').requestSubmit(); })()`),
		e2e.WaitRows("#logs-table", 1), e2e.Until(`document.querySelectorAll('#logs-chart .legend li').length === 1`))
	if legend, bars := texts(".legend li"), e2e.Eval[int](t, ctx, `document.querySelectorAll('#logs-chart rect').length`); legend != "Failed" || bars != 1 {
		t.Errorf("the failed ones: legend %q, %d bars", legend, bars)
	}
}
