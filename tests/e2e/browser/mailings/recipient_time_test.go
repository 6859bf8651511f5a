package mailings

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A client's own time zone and a window sent at each recipient's own
// time, in Russian on a phone: an unknown zone is refused beside the
// field, a known one saved; the window's box is saved ticked, the
// mailing's page says so, and its edit form has it ticked; nothing past
// the screen.
func TestBrowserRecipientTimeInRussianOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	token := e2e.ConfirmedUser(t, in, "own@example.com")
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	e2e.LogInAs(t, ctx, in, "own@example.com")
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/clients"), chromedp.WaitVisible("#menu"), e2e.Speak("ru"))

	form := e2e.Page(t, ctx, "#client", chromedp.Navigate(in.URL+"/clients"), chromedp.WaitVisible("#clients-new"),
		chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-timezone"))
	e2e.MustContain(t, "the client form", form, "Часовой пояс")
	msg := e2e.Page(t, ctx, "#client-timezone-error", e2e.Steps(
		e2e.Fill(map[string]string{"client-email": "kiri@example.org", "client-timezone": "Mars/Olympus"}),
		chromedp.Click("#client button[type=submit]"),
		e2e.Until(`document.querySelector('#client-timezone-error').innerText !== ''`),
	)...)
	e2e.MustContain(t, "an unknown zone", msg, "Неизвестный часовой пояс")
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"client-timezone": "Pacific/Kiritimati"}),
		chromedp.Click("#client button[type=submit]"),
		e2e.Until(`document.querySelector('#clients-status.ok')?.innerText.includes('kiri@example.org')`),
	)...)
	var clients struct {
		Items []struct {
			Email    string `json:"email"`
			Timezone string `json:"timezone"`
		}
	}
	in.Call("GET", "/api/collections/clients/records", token, nil, &clients)
	if len(clients.Items) != 1 || clients.Items[0].Timezone != "Pacific/Kiritimati" {
		t.Fatalf("the saved clients: %+v", clients.Items)
	}
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the clients page is wider than the screen: %s", wide)
	}

	// the mailing form's window: the box, in Russian
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	box := `.window [name=recipient_time]`
	windows := e2e.Page(t, ctx, ".window", chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(box))
	e2e.MustContain(t, "the window", windows, "В местное время каждого получателя")
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"mailing-subject": "Доброе утро"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "В девять утра по вашим часам."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		chromedp.Evaluate[chromedp.Void](`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = '`+start.Format("2006-01-02T15:04")+`';
			w.querySelector('[name=ends_at]').value = '`+start.AddDate(0, 0, 7).Format("2006-01-02T15:04")+`';
			const p = w.querySelector('[name=period]'); p.value = 'daily'; p.dispatchEvent(new Event('change')); })()`),
		chromedp.Click(box),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-preview"),
	)...)
	e2e.MustContain(t, "the mailing's windows", e2e.Page(t, ctx, "#mailing-windows",
		e2e.Until(`document.querySelector('#mailing-windows li') != null`)), "ежедневно, в местное время каждого получателя")
	var saved struct {
		Items []struct {
			RecipientTime bool   `json:"recipient_time"`
			NextRunAt     string `json:"next_run_at"`
		}
	}
	in.Call("GET", "/api/collections/schedules/records", token, nil, &saved)
	// the account is in UTC: Kiritimati (UTC+14) reaches the start 14 hours before
	if len(saved.Items) != 1 || !saved.Items[0].RecipientTime || saved.Items[0].NextRunAt != start.Add(-14*time.Hour).Format("2006-01-02 15:04:05.000Z") {
		t.Fatalf("the saved window: %+v, want own time, due %s", saved.Items, start.Add(-14*time.Hour))
	}
	id := e2e.Eval[string](t, ctx, `new URLSearchParams(location.search).get('id')`)
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit?id="+id), chromedp.WaitVisible(box),
		e2e.Until(`document.querySelector('`+box+`').checked`))
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the form is wider than the screen: %s", wide)
	}
}
