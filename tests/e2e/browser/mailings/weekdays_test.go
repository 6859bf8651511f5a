package mailings

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A daily window on its days of the week, sent once per client, in the
// form: the days show for a daily window only, a window none of whose days falls inside it is
// refused beside the days, and the saved mailing says its days and that
// later runs reach newcomers only, its edit form as saved (English on a
// desktop: the docs' mailing-once.png and mailing-weekdays.png; Russian on
// a phone, nothing past the screen).
func TestBrowserADailyWindowOnItsDaysOfTheWeek(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	token := e2e.ConfirmedUser(t, in, "weekly@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "r1@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "weekly@example.com")

	// a Saturday 09:00 (the account's zone is UTC) at least two days ahead
	sat := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2).Add(9 * time.Hour)
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, 1)
	}
	window := func(end time.Time) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			sat.Format("2006-01-02T15:04"), end.Format("2006-01-02T15:04")))
	}
	days := `.window .weekdays`
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelector('`+days+`').hidden`))
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"mailing-subject": "Weekday news"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Good morning."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		chromedp.Click(`#mailing-once`),
		chromedp.Evaluate[chromedp.Void](`(() => { const p = document.querySelector('.window [name=period]');
			p.value = 'daily'; p.dispatchEvent(new Event('change')); })()`),
		chromedp.WaitVisible(days),
		chromedp.Evaluate[chromedp.Void](`['mon','tue','wed','thu','fri'].forEach((d) =>
			document.querySelector('.window [name=weekdays][value=' + d + ']').click())`),
		window(sat.Add(35*time.Hour)), // Saturday to Sunday evening: no weekday in it
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible(".window [name=weekdays][aria-invalid=true]"),
	)...)
	e2e.MustContain(t, "a weekend window of weekdays", e2e.Page(t, ctx, days), "None of these days of the week falls inside the window")

	e2e.Page(t, ctx, "#mailing-windows", window(sat.AddDate(0, 0, 10)), chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-preview"))
	windows := e2e.Page(t, ctx, "#mailing-windows")
	e2e.MustContain(t, "the mailing's windows", windows, "daily (Mon, Tue, Wed, Thu, Fri)")
	e2e.MustContain(t, "the mailing's summary", e2e.Page(t, ctx, "#mailing-summary"), "Each client once")
	e2e.MustContain(t, "what each client once means", e2e.Page(t, ctx, "#mailing-once"), "later runs reach newcomers only")
	e2e.Screenshot(t, ctx, "mailing-once.png")
	var saved struct {
		Items []struct {
			Weekdays  []string `json:"weekdays"`
			NextRunAt string   `json:"next_run_at"`
		}
	}
	in.Call("GET", "/api/collections/schedules/records", token, nil, &saved)
	if len(saved.Items) != 1 || len(saved.Items[0].Weekdays) != 5 || saved.Items[0].NextRunAt != sat.AddDate(0, 0, 2).Format("2006-01-02 15:04:05.000Z") {
		t.Fatalf("the saved window: %+v, want Monday %s first", saved.Items, sat.AddDate(0, 0, 2))
	}

	// the edit form as saved: the days ticked, each client once
	id := e2e.Eval[string](t, ctx, `new URLSearchParams(location.search).get('id')`)
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit?id="+id), chromedp.WaitVisible(days),
		e2e.Until(`document.querySelectorAll('.window [name=weekdays]:checked').length === 5 && document.querySelector('#mailing-once').checked`),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 1.')`))
	e2e.Screenshot(t, ctx, "mailing-weekdays.png")

	// in Russian on a phone: the page says the days, the edit form has them ticked
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/mailing?id="+id), chromedp.WaitVisible("#menu"), e2e.Speak("ru"))
	e2e.MustContain(t, "the windows in Russian", e2e.Page(t, ctx, "#mailing-windows", chromedp.Navigate(in.URL+"/mailing?id="+id),
		e2e.Until(`document.querySelector('#mailing-windows li') != null`)), "ежедневно (Пн, Вт, Ср, Чт, Пт)")
	ticked := e2e.Page(t, ctx, days, chromedp.Navigate(in.URL+"/mailings/edit?id="+id), chromedp.WaitVisible(days),
		e2e.Until(`document.querySelectorAll('.window [name=weekdays]:checked').length === 5`))
	e2e.MustContain(t, "the days in Russian", ticked, "Сб")
	if !e2e.Eval[bool](t, ctx, `document.querySelector('#mailing-once').checked`) {
		t.Error("the edit form lost \"each client once\"")
	}
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the form is wider than the screen: %s", wide)
	}
}
