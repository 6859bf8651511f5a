package mailings

// The mailings pages in the browser: a mailing and its windows saved
// together or not at all, a mailing that names no one, the editor's Link
// button, when a mailing goes out and how it went, and the actions that
// destroy asking first.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// setWindowN types a start and an end into the form's window n (from 0), in UTC.
func setWindowN(n int, start, end time.Time) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelectorAll('#windows .window')[%d];
		w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
		n, start.UTC().Format("2006-01-02T15:04"), end.UTC().Format("2006-01-02T15:04")))
}

// windowField is the selector of a field of the form's window n (from 1).
func windowField(n int, name string) string {
	return fmt.Sprintf("#windows .window:nth-child(%d) [name=%s]", n, name)
}

// records lists a collection as the user sees it through the API.
func records(in *e2e.Instance, token, collection, query string) []map[string]any {
	var out struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/"+collection+"/records?perPage=200"+query, token, nil, &out)
	return out.Items
}

// mailingToAList makes a list and a mailing to it, as the user of token.
func mailingToAList(in *e2e.Instance, token, subject string) map[string]any {
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	return in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": subject, "body": "<p>Hi</p>", "lists": []any{list["id"]}})
}

// noDispatcher is serve's environment for a test that makes its runs by
// hand (sendingRun): without deliveries, serve's dispatcher would find
// nothing to send and close such a run at once.
func noDispatcher() map[string]string { return map[string]string{"POSTRIDER_DISPATCH_CRON": "off"} }

// sendingRun gives mailing m a daily window starting in an hour and a run
// of it that is sending, sent of 3, as the dispatcher writes one; it returns
// the window's start and the run's address in the API.
func sendingRun(in *e2e.Instance, token, root string, m map[string]any, sent int) (time.Time, string) {
	start := time.Now().UTC().Add(time.Hour)
	w := in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "daily"})
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	run := in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{
		"owner": m["owner"], "mailing": m["id"], "schedule": w["id"], "run_at": now, "status": "sending", "total": 3, "sent": sent, "started_at": now})
	return start, "/api/collections/runs/records/" + run["id"].(string)
}

// A new mailing whose second window is refused leaves nothing behind, keeps
// everything typed, and says why beside that window's field; an edit that
// changes the subject, removes a window, changes one and adds a bad one
// changes nothing, and then all of it at once.
func TestBrowserMailingSavesWithItsWindowsOrNothing(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "windows@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "r1@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "windows@example.com")

	now := time.Now()
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input"),
		e2e.Fill(map[string]string{"mailing-subject": "Two windows"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Hello, readers."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		// (the reach line answers before Save is clicked: it moves the button)
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 1.')`),
		chromedp.Click("#add-window"), e2e.Until(`document.querySelectorAll('#windows .window').length === 2`),
		setWindowN(0, now.Add(time.Hour), now.Add(25*time.Hour)),
		setWindowN(1, now.Add(-time.Hour), now.Add(25*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible(windowField(2, "starts_at")+"[aria-invalid=true]"),
	)...)
	e2e.MustContain(t, "window 2's start in the past", e2e.Page(t, ctx, windowField(2, "starts_at")+" ~ .field-error"), "The window cannot start in the past.")
	if bad := e2e.Eval[string](t, ctx, `document.querySelector('`+windowField(1, "starts_at")+`').getAttribute('aria-invalid') || ''`); bad != "" {
		t.Errorf("window 1, which was right, is marked wrong")
	}
	if ms, ws := records(in, token, "mailings", ""), records(in, token, "schedules", ""); len(ms) != 0 || len(ws) != 0 {
		t.Fatalf("a refused window left %d mailings and %d windows behind", len(ms), len(ws))
	}
	kept := e2e.Eval[string](t, ctx, `[document.querySelector('#mailing-subject').value, document.querySelector('#mailing-body').innerText,
		document.querySelector('#mailing-lists input').checked].join('|')`)
	if kept != "Two windows|Hello, readers.|true" {
		t.Fatalf("the form lost what was typed: %q", kept)
	}

	e2e.Page(t, ctx, "h1", setWindowN(1, now.Add(2*time.Hour), now.Add(26*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))
	ms := records(in, token, "mailings", "")
	if len(ms) != 1 || len(records(in, token, "schedules", "")) != 2 {
		t.Fatalf("after the fix: %d mailings, %d windows, want 1 and 2", len(ms), len(records(in, token, "schedules", "")))
	}
	id := ms[0]["id"].(string)

	// the edit: a new subject, window 1 removed, window 2 weekly, a third
	// window that ends before it starts
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit?id="+id),
		e2e.Until(`document.querySelectorAll('#windows .window').length === 2 && document.querySelector('#mailing-subject').value === 'Two windows'`),
		e2e.Fill(map[string]string{"mailing-subject": "Two windows, revised"}),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#windows .window button.danger').click()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+windowField(1, "period")+`').value = 'weekly'`),
		chromedp.Click("#add-window"), e2e.Until(`document.querySelectorAll('#windows .window').length === 2`),
		setWindowN(1, now.Add(5*time.Hour), now.Add(3*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible(windowField(2, "ends_at")+"[aria-invalid=true]"),
	)...)
	e2e.MustContain(t, "the new window's end", e2e.Page(t, ctx, windowField(2, "ends_at")+" ~ .field-error"), "The window must end after it starts.")
	ws := records(in, token, "schedules", "&sort=starts_at")
	if m := in.Must(200, "GET", "/api/collections/mailings/records/"+id, token, nil); m["subject"] != "Two windows" ||
		len(ws) != 2 || ws[0]["period"] != "once" || ws[1]["period"] != "once" {
		t.Fatalf("a refused edit changed something: subject %q, windows %v", m["subject"], ws)
	}

	e2e.Page(t, ctx, "h1", setWindowN(1, now.Add(3*time.Hour), now.Add(5*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))
	ws = records(in, token, "schedules", "&sort=starts_at")
	m := in.Must(200, "GET", "/api/collections/mailings/records/"+id, token, nil)
	if m["subject"] != "Two windows, revised" || len(ws) != 2 || ws[0]["period"] != "weekly" || ws[1]["period"] != "once" {
		t.Fatalf("the edit in one go: subject %q, windows %v", m["subject"], ws)
	}
}

// In Russian: a mailing naming no one is refused beside the lists, in
// Russian; lists that reach no one now are a warning, and it saves; the
// list and the mailing's page say it is not sent yet; Stop asks first and
// Resume does not; Delete is red, apart, and asks.
func TestBrowserMailingRecipientsAndActionsInRussian(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "russian-mail@example.com")
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Пустой"})
	e2e.LogInAs(t, ctx, in, "russian-mail@example.com")

	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input"),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Получателей пока нет')`),
		e2e.Fill(map[string]string{"mailing-subject": "Новости"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Здравствуйте."),
		chromedp.Click("#mailing button[type=submit]"),
		e2e.Until(`document.querySelector('#mailing-lists-error').innerText !== ''`))...)
	e2e.MustContain(t, "a mailing naming no one", e2e.Page(t, ctx, "#mailing-lists-error"), "Выберите хотя бы один список или клиента")
	if n := len(records(in, token, "mailings", "")); n != 0 {
		t.Fatalf("a mailing naming no one was saved (%d)", n)
	}

	e2e.Page(t, ctx, "h1", chromedp.Click(`#mailing-lists input[type=checkbox]`),
		e2e.Until(`document.querySelector('#mailing-reach.warn')?.innerText.includes('В выбранных списках сейчас нет никого')`))
	e2e.Page(t, ctx, "h1", chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-summary"))
	e2e.MustContain(t, "the last run of a new mailing", e2e.Page(t, ctx, "#mailing-last-run"), "ещё не отправлялась")
	if next := e2e.Page(t, ctx, "#mailing-next"); next == "" || strings.Contains(next, "не запланирована") {
		t.Errorf("the mailing's page says it goes out %q, want the window's start", next)
	}

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	row := e2e.RowsOf(t, ctx, "#mailings-table")[0]
	for _, want := range []string{"Новости", "| запланирована |", "| 0 |", "ещё не отправлялась"} {
		e2e.MustContain(t, "the mailing's row", row, want)
	}

	// Stop asks; a No leaves it running
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Evaluate[chromedp.Void](`window.confirm = (q) => { window.asked = q; return false; }`),
		e2e.RowMenu("#mailings-table"), chromedp.Click("#mailings-table button.stop"), e2e.Until(`typeof window.asked === 'string'`))...)
	e2e.MustContain(t, "the question before stopping", e2e.Eval[string](t, ctx, `window.asked`), "Остановить «Новости»?")
	if m := records(in, token, "mailings", ""); m[0]["stopped"] != false {
		t.Fatal("a No still stopped the mailing")
	}
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Evaluate[chromedp.Void](`window.confirm = (q) => { window.asked = q; return true; }`),
		e2e.RowMenu("#mailings-table"), chromedp.Click("#mailings-table button.stop"),
		e2e.Until(`document.querySelector('#mailings-table button.resume') != null`), e2e.RowMenu("#mailings-table"), chromedp.WaitVisible("#mailings-table button.resume"))...)
	e2e.MustContain(t, "the next send of a stopped mailing", e2e.Page(t, ctx, "#mailings-table td.next"), "остановлена")
	if m := records(in, token, "mailings", ""); m[0]["stopped"] != true {
		t.Fatal("a Yes did not stop the mailing")
	}
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Evaluate[chromedp.Void](`delete window.asked`),
		chromedp.Click("#mailings-table button.resume"),
		e2e.Until(`document.querySelector('#mailings-table button.stop') != null`), e2e.RowMenu("#mailings-table"), chromedp.WaitVisible("#mailings-table button.stop"))...)
	if asked := e2e.Eval[string](t, ctx, `String(window.asked)`); asked != "undefined" {
		t.Errorf("resuming asked %q", asked)
	}

	// Delete, last in the row's menu: red, not the colour of Stop, set
	// apart from it by a line, and asks
	look := e2e.Eval[string](t, ctx, `(() => { const s = document.querySelector('#mailings-table button.stop'), d = document.querySelector('#mailings-table button.delete');
		return [getComputedStyle(s).color, getComputedStyle(d).color, getComputedStyle(d).borderTopWidth, d.getBoundingClientRect().top - s.getBoundingClientRect().bottom].join('|'); })()`)
	parts := strings.Split(look, "|")
	if parts[1] != "rgb(164, 22, 26)" || parts[0] == parts[1] {
		t.Errorf("Stop is %s and Delete %s: Delete should be red", parts[0], parts[1])
	}
	if gap, _ := strconv.ParseFloat(parts[3], 64); parts[2] != "1px" || gap < 4 {
		t.Errorf("Delete is %vpx below Stop, its top border %s: it should stand apart, past a line", gap, parts[2])
	}
	e2e.Page(t, ctx, "h1", chromedp.Click("#mailings-table button.delete"), e2e.WaitRows("#mailings-table", 0))
	e2e.MustContain(t, "the question before deleting", e2e.Eval[string](t, ctx, `window.asked`), "Удалить рассылку «Новости»")
}

// The Link button with nothing selected puts the address in as the link's
// text, so that the mail never reads "See  for details."; with a word
// selected, it links the word.
func TestBrowserEditorLinksWithoutASelection(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "links@example.com")
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	e2e.LogInAs(t, ctx, in, "links@example.com")

	const url = "https://example.com/docs"
	// (in steps, so that a failure names the one that did not happen)
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input"),
		e2e.Fill(map[string]string{"mailing-subject": "Links"}),
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => '`+url+`'`),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "See "),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('See')`))...)
	e2e.Page(t, ctx, "h1", chromedp.Click(`.toolbar button[aria-label="Link"]`),
		e2e.Until(`document.querySelector('#mailing-body a') != null`))
	e2e.Page(t, ctx, "h1", e2e.Steps(
		// a word selected: the button links it
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('#mailing-body');
			e.append(' or the '); const word = document.createTextNode('manual'); e.append(word);
			const r = document.createRange(); r.selectNodeContents(word); getSelection().removeAllRanges(); getSelection().addRange(r); })()`),
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => 'https://example.com/manual'`),
		chromedp.Click(`.toolbar button[aria-label="Link"]`),
		e2e.Until(`document.querySelectorAll('#mailing-body a').length === 2`),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		// the reach line answers the tick (and moves the Save button down
		// as it grows: a click before it could land where the button was)
		e2e.Until(`document.querySelector('#mailing-reach.warn')?.innerText.includes('The chosen lists hold no one')`))...)
	e2e.Page(t, ctx, "h1", chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview a"))
	body, _ := records(in, token, "mailings", "")[0]["body"].(string)
	for _, want := range []string{`<a href="` + url + `">` + url + `</a>`, `<a href="https://example.com/manual">manual</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the saved body %q lacks %q", body, want)
		}
	}
	e2e.MustContain(t, "the preview", strings.ReplaceAll(e2e.Page(t, ctx, "#mailing-preview"), "\u00a0", " "), "See "+url+" or the manual")
}

// The list and the mailing's page say when it goes out next and how the
// last run went, with a progress bar fed live by the run's counters; the
// list takes one request whatever the number of mailings.
func TestBrowserMailingSaysWhenAndHowItWent(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "progress@example.com")
	root := e2e.SuperuserToken(t, in)
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for i, e := range []string{"p1@example.org", "p2@example.org", "p3@example.org", "gone@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": e, "lists": []any{list["id"]}, "unsubscribed": i == 3})
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Progress", "body": "<p>Hi</p>", "lists": []any{list["id"]}})
	other := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Unscheduled", "body": "<p>Hi</p>", "lists": []any{list["id"]}})
	start, runURL := sendingRun(in, token, root, m, 1)
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")

	e2e.LogInAs(t, ctx, in, "progress@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 2),
		chromedp.WaitVisible(`#mailings-table progress[value="1"][max="3"]`))
	rows := strings.Join(e2e.RowsOf(t, ctx, "#mailings-table"), "\n")
	you := "You (your name, replies to your email) | " // no sender chosen: the owner's name via the service
	for _, want := range []string{"Progress | " + you + "sending | ", "| 3 | sending: 1 sent, 0 failed, 2 to go of 3",
		"Unscheduled | " + you + "created | not scheduled | 3 | not sent yet"} {
		e2e.MustContain(t, "the list of mailings", rows, want)
	}
	requests := e2e.Eval[string](t, ctx, `performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(p => p.startsWith('/api/')).join(' ')`)
	if strings.Count(requests, "/api/postrider/mailings/summary") != 1 || strings.Contains(requests, "/api/collections/clients") ||
		strings.Contains(requests, "/api/collections/mailings") {
		t.Errorf("the list asked: %s", requests)
	}

	// the run moves on: the bar follows without a reload
	in.Must(200, "PATCH", runURL, root, map[string]any{"sent": 2})
	e2e.Page(t, ctx, "h1", chromedp.WaitVisible(`#mailings-table progress[value="2"]`))

	// a completed mailing says so
	in.Must(200, "PATCH", "/api/collections/mailings/records/"+other["id"].(string), root, map[string]any{"status": "completed"})
	e2e.Page(t, ctx, "h1", chromedp.Reload(), e2e.WaitRows("#mailings-table", 2))
	e2e.MustContain(t, "a completed mailing's row", strings.Join(e2e.RowsOf(t, ctx, "#mailings-table"), "\n"), "Unscheduled | "+you+"completed | completed | 3 |")

	// the mailing's page: the next send on the user's clock, the run live
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)), chromedp.WaitVisible(`#mailing-last-run progress[value="2"]`))
	e2e.MustContain(t, "the next send", e2e.Page(t, ctx, "#mailing-next"), fmt.Sprint(start.Year()))
	in.Must(200, "PATCH", runURL, root, map[string]any{"sent": 2, "failed": 1, "status": "done", "finished_at": now})
	e2e.Page(t, ctx, "h1", e2e.Until(`document.querySelector('#mailing-last-run').innerText.includes('done: 2 sent, 1 failed, 0 skipped of 3')`))
	if n := e2e.Eval[string](t, ctx, `String(document.querySelectorAll('#mailing-last-run progress').length)`); n != "0" {
		t.Errorf("a finished run still shows %s progress bars", n)
	}
}
