package mailings

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A client's own time zone and a window sent at each recipient's own
// time, in Russian on a phone: an unknown zone is refused beside the
// field, a known one saved; the window's box is saved ticked, the
// mailing's page says so, and its edit form has it ticked; a run of it
// opens what went out and what is to come by zone; nothing past the
// screen.
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

	// a run of the window, as the dispatcher writes one: Kiritimati's
	// message sent, the owner's zone's to come; its row opens by zone
	root := e2e.SuperuserToken(t, in)
	var ws struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/schedules/records", token, nil, &ws)
	other := in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "home@example.org"})
	var mailing map[string]any
	in.Call("GET", "/api/collections/mailings/records/"+id, token, nil, &mailing)
	owner := mailing["owner"]
	at := func(d time.Duration) string { return start.Add(d).Format("2006-01-02 15:04:05.000Z") }
	run := in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{"owner": owner, "mailing": id,
		"schedule": ws.Items[0]["id"], "run_at": at(0), "status": "sending", "total": 2, "sent": 1, "started_at": at(-14 * time.Hour)})
	for _, d := range []struct {
		client, email, status, at string
	}{{clientID(t, in, token, "kiri@example.org"), "kiri@example.org", "sent", at(-14 * time.Hour)}, {other["id"].(string), "home@example.org", "pending", at(0)}} {
		in.Must(200, "POST", "/api/collections/deliveries/records", root, map[string]any{"owner": owner, "mailing": id, "run": run["id"],
			"schedule": ws.Items[0]["id"], "client": d.client, "email": d.email, "run_at": d.at, "status": d.status})
	}
	zones := e2e.Page(t, ctx, "#runs-table details.zones", chromedp.Navigate(in.URL+"/mailing?id="+id),
		chromedp.WaitVisible("#runs-table details.zones summary"), chromedp.Click("#runs-table details.zones summary"),
		e2e.Until(`document.querySelectorAll('#runs-table details.zones tbody tr').length === 2`))
	e2e.MustContain(t, "the run by zone", zones, "По часовым поясам")
	e2e.MustContain(t, "the run by zone", zones, "Pacific/Kiritimati")
	e2e.MustContain(t, "the run by zone", zones, "ваш (UTC)")
	e2e.MustContain(t, "a zone's card on a phone", e2e.Eval[string](t, ctx,
		`[...document.querySelectorAll('#runs-table details.zones tbody tr:first-child td')].map((td) => td.dataset.label).join('|')`),
		"Часовой пояс|Отправлено|Не доставлено|Впереди|Следующее")
	e2e.Screenshot(t, ctx, "phone-run-zones.png")
	if first := e2e.Eval[string](t, ctx, `document.querySelector('#runs-table details.zones tbody tr').dataset.zone`); first != "" {
		t.Errorf("the zone still to come is not first: %q", first)
	}
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the run's zones are wider than the screen: %s", wide)
	}
}

// clientID finds a client of the user of token by email.
func clientID(t *testing.T, in *e2e.Instance, token, email string) string {
	var out struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/clients/records?filter="+url.QueryEscape("email='"+email+"'"), token, nil, &out)
	if len(out.Items) != 1 {
		t.Fatalf("client %s: %v", email, out.Items)
	}
	return out.Items[0]["id"].(string)
}
