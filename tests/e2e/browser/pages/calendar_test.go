package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// The calendar in Chromium: a sender's daily window next month fills the
// month grid at 09:00 (their zone, UTC) with the mailing's reach and a
// link to it, and the previous-month link goes back (English, desktop); a
// moderator sees the same days as a list with the owner (Russian, phone).
// Nothing reaches past the screen in either.
func TestBrowserCalendarMonthGridAndPhoneList(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "planner@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", owner, map[string]any{"name": "Readers"})
	for _, e := range []string{"r1@example.org", "r2@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", owner, map[string]any{"email": e, "lists": []any{list["id"]}})
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", owner, map[string]any{
		"subject": "Morning digest with a rather long subject line", "body": "<p>Good morning.</p>", "lists": []any{list["id"]}})
	// daily at 09:00 UTC from the 3rd of next month to the 12th
	now := time.Now().UTC()
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	start := next.AddDate(0, 0, 2).Add(9 * time.Hour)
	in.Must(200, "POST", "/api/collections/schedules/records", owner, map[string]any{
		"mailing": m["id"], "period": "daily",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.AddDate(0, 0, 9).Format("2006-01-02 15:04:05.000Z"),
	})
	month := next.Format("2006-01")
	third := start.Format(time.DateOnly)

	// the owner, in English on a desktop: the month grid
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "planner@example.com")
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/calendar?month="+month),
		e2e.Until(`document.querySelectorAll('#calendar-grid td.day:not(.other-month) .occurrence').length === 10`))
	if !e2e.Eval[bool](t, ctx, e2e.Visible("#calendar-grid")) || e2e.Eval[bool](t, ctx, e2e.Visible("#calendar-list")) {
		t.Fatal("a desktop shows the month grid, not the list")
	}
	e2e.MustContain(t, "the month's name", e2e.Page(t, ctx, "#calendar-month"), next.Format("January 2006"))
	day := e2e.Page(t, ctx, `#calendar-grid td[data-day="`+third+`"]`)
	for _, want := range []string{"3", "09:00", "Morning digest with a rather long subject line", "recipients: 2"} {
		e2e.MustContain(t, "the 3rd's cell", day, want)
	}
	if other := e2e.Page(t, ctx, `#calendar-grid td[data-day="`+next.AddDate(0, 0, 1).Format(time.DateOnly)+`"]`); strings.Contains(other, "09:00") {
		t.Fatalf("the 2nd, before the window, shows %q", other)
	}
	if over := e2e.Overflowing(t, ctx); over != "" {
		t.Fatalf("past the desktop's edge: %s", over)
	}
	e2e.Screenshot(t, ctx, "calendar.png")
	// the link goes to the mailing's page
	e2e.Page(t, ctx, "h1", chromedp.Click(`#calendar-grid td[data-day="`+third+`"] .occurrence a`),
		e2e.Until(`location.pathname === '/mailing' && location.search === '?id=`+m["id"].(string)+`'`))
	// back a month: this month, where nothing goes out
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/calendar?month="+month), chromedp.WaitVisible("#calendar-previous"),
		chromedp.Click("#calendar-previous"), e2e.Until(`location.search === '?month=`+now.Format("2006-01")+`'`),
		e2e.Until(`document.querySelector('#calendar-list .empty') != null`))
	e2e.MustContain(t, "this month's name", e2e.Page(t, ctx, "#calendar-month"), now.Format("January 2006"))
	if n := e2e.Eval[int](t, ctx, `document.querySelectorAll('#calendar-grid td.day:not(.other-month) .occurrence').length`); n != 0 {
		t.Fatalf("this month shows %d occurrences", n)
	}

	// a moderator, in Russian on a phone: a list by day, with the owner
	mctx := e2e.Browser(t)
	e2e.LogInAs(t, mctx, in, "mod@example.com")
	e2e.Page(t, mctx, "h1", e2e.Phone.Size, chromedp.WaitVisible("#menu"), e2e.Speak("ru"),
		chromedp.Navigate(in.URL+"/calendar?month="+month),
		e2e.Until(`document.querySelectorAll('#calendar-list .calendar-day').length === 10`))
	if e2e.Eval[bool](t, mctx, e2e.Visible("#calendar-grid")) || !e2e.Eval[bool](t, mctx, e2e.Visible("#calendar-list")) {
		t.Fatal("a phone shows the list, not the grid")
	}
	first := e2e.Page(t, mctx, "#calendar-list .calendar-day")
	for _, want := range []string{"Календарь", "09:00", "Morning digest", "получателей: 2", "planner@example.com"} {
		if want == "Календарь" {
			e2e.MustContain(t, "the title", e2e.Page(t, mctx, "h1"), want)
			continue
		}
		e2e.MustContain(t, "the first day", first, want)
	}
	heading := e2e.Page(t, mctx, "#calendar-list .calendar-day h2")
	if !strings.Contains(heading, "3 ") || strings.Contains(heading, next.Format("January")) {
		t.Fatalf("the first day's heading, in Russian: %q", heading)
	}
	if over := e2e.Overflowing(t, mctx); over != "" {
		t.Fatalf("past the phone's edge: %s", over)
	}
	e2e.Screenshot(t, mctx, "calendar-phone.png")
}

// A welcome window in the calendar: one item on the day it opens, "from
// this day, when a client joins" its list, with no reach (its audience is
// who joins) and no sends on the days after (English, desktop; Russian,
// phone).
func TestBrowserCalendarShowsAWelcomeWindowOnce(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	owner := e2e.ConfirmedUser(t, in, "greeter@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", owner, map[string]any{"name": "Newcomers"})
	m := in.Must(200, "POST", "/api/collections/mailings/records", owner, map[string]any{"subject": "Welcome aboard", "body": "<p>Hi.</p>"})
	now := time.Now().UTC()
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	start := next.AddDate(0, 0, 4).Add(9 * time.Hour)
	in.Must(200, "POST", "/api/collections/schedules/records", owner, map[string]any{
		"mailing": m["id"], "period": "on_join", "list": list["id"], "delay_minutes": 60,
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.AddDate(0, 2, 0).Format("2006-01-02 15:04:05.000Z"),
	})
	month := next.Format("2006-01")

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "greeter@example.com")
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(in.URL+"/calendar?month="+month),
		e2e.Until(`document.querySelectorAll('#calendar-grid td.day:not(.other-month) .occurrence').length === 1`))
	day := e2e.Page(t, ctx, `#calendar-grid td[data-day="`+start.Format(time.DateOnly)+`"]`)
	for _, want := range []string{"from this day, when a client joins Newcomers", "Welcome aboard"} {
		e2e.MustContain(t, "the day the welcome window opens", day, want)
	}
	if strings.Contains(day, "recipients") || strings.Contains(day, "09:00") {
		t.Errorf("the welcome window shows a send: %q", day)
	}

	e2e.Page(t, ctx, "h1", e2e.Phone.Size, e2e.Speak("ru"), chromedp.Navigate(in.URL+"/calendar?month="+month),
		e2e.Until(`document.querySelectorAll('#calendar-list .calendar-day').length === 1`))
	e2e.MustContain(t, "the welcome window in Russian", e2e.Page(t, ctx, "#calendar-list .calendar-day"),
		"с этого дня — когда клиент вступает в список Newcomers")
	if over := e2e.Overflowing(t, ctx); over != "" {
		t.Errorf("past the phone's edge: %s", over)
	}
}
