package mailings

// A run's pace and its owner's Pause, Resume and Cancel on the mailing's
// page, in English on a desktop and in Russian on a phone.

import (
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// runStatus reads a run's status through the API as its owner.
func runStatus(in *e2e.Instance, token, runURL string) string {
	var run map[string]any
	in.Call("GET", runURL, token, nil, &run)
	s, _ := run["status"].(string)
	return s
}

// While a run sends, its row says how many messages a minute go out and
// about how long is left, from the counters it follows live; Pause holds
// it (saying so), Resume lets it go on (the docs' mailing-run-sending.png
// and mailing-run-paused.png).
func TestBrowserPausesAndResumesARunShowingItsPace(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "pace@example.com")
	root := e2e.SuperuserToken(t, in)
	m := mailingToAList(in, token, "Pace")
	_, runURL := sendingRun(in, token, root, m, 0)
	in.Must(200, "PATCH", runURL, root, map[string]any{"total": 600})

	e2e.LogInAs(t, ctx, in, "pace@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)), chromedp.WaitVisible("#runs-table button.run-pause"))
	in.Must(200, "PATCH", runURL, root, map[string]any{"sent": 60})
	e2e.Page(t, ctx, "h1", e2e.Until(`document.querySelector('#runs-table .run-pace')?.innerText.includes('left')`))
	pace := e2e.Page(t, ctx, "#runs-table .run-pace")
	e2e.MustContain(t, "the run's pace", pace, " a minute · about ")
	// the progress bar of the run that sends, with its count
	e2e.Page(t, ctx, "h1", e2e.Until(`document.querySelector('#mailing-last-run progress')?.value === 60`))
	e2e.Screenshot(t, ctx, "mailing-run-sending.png")

	e2e.Page(t, ctx, "h1", chromedp.Click("#runs-table button.run-pause"), chromedp.WaitVisible("#runs-table button.run-resume"))
	if s := runStatus(in, token, runURL); s != "paused" {
		t.Fatalf("after Pause the run is %s", s)
	}
	e2e.MustContain(t, "a paused run's note", e2e.Page(t, ctx, "#runs-table td.note"), "paused by you")
	// its rest goes out once resumed: not skipped
	e2e.MustContain(t, "a paused run's count", e2e.Page(t, ctx, "#mailing-last-run"), "paused: 60 sent, 0 failed, 540 to go of 600")
	if n := e2e.Eval[string](t, ctx, `String(document.querySelectorAll('#runs-table .run-pace, #runs-table button.run-pause').length)`); n != "0" {
		t.Errorf("a paused run still shows %s of its pace and Pause", n)
	}
	e2e.Screenshot(t, ctx, "mailing-run-paused.png")

	e2e.Page(t, ctx, "h1", chromedp.Click("#runs-table button.run-resume"),
		e2e.Until(`!document.querySelector('#runs-table button.run-resume')`))
	if s := runStatus(in, token, runURL); s == "paused" {
		t.Fatal("after Resume the run is still paused")
	}
}

// On a phone in Russian: the pace in Russian, and Cancel asks first; a No
// leaves the run sending, a Yes cancels it and its buttons go.
func TestBrowserCancelsARunInRussianOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "cancel-ru@example.com")
	root := e2e.SuperuserToken(t, in)
	m := mailingToAList(in, token, "Отмена")
	_, runURL := sendingRun(in, token, root, m, 0)
	in.Must(200, "PATCH", runURL, root, map[string]any{"total": 600})

	e2e.LogInAs(t, ctx, in, "cancel-ru@example.com")
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)), chromedp.WaitVisible("#runs-table button.run-cancel"))
	in.Must(200, "PATCH", runURL, root, map[string]any{"sent": 30})
	e2e.Page(t, ctx, "h1", e2e.Until(`document.querySelector('#runs-table .run-pace')?.innerText.includes('осталось около')`))
	e2e.MustContain(t, "the run's pace", e2e.Page(t, ctx, "#runs-table .run-pace"), " в минуту · осталось около ")
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("the mailing's page on a phone: %s", wide)
	}

	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`window.confirm = (q) => { window.asked = q; return false; }`),
		chromedp.Click("#runs-table button.run-cancel"), e2e.Until(`typeof window.asked === 'string'`))
	e2e.MustContain(t, "the question before cancelling", e2e.Eval[string](t, ctx, `window.asked`), "Отменить этот запуск? 570 ещё не отправленных")
	if s := runStatus(in, token, runURL); s != "sending" {
		t.Fatalf("a No left the run %s", s)
	}
	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click("#runs-table button.run-cancel"), e2e.Until(`!!document.querySelector('#runs-table tr[data-status=cancelled]')`))
	if s := runStatus(in, token, runURL); s != "cancelled" {
		t.Fatalf("a Yes left the run %s", s)
	}
	row := e2e.RowsOf(t, ctx, "#runs-table")[0]
	e2e.MustContain(t, "a cancelled run's row", row, "отменён")
	if n := e2e.Eval[string](t, ctx, `String(document.querySelectorAll('#runs-table button').length)`); n != "0" {
		t.Errorf("a cancelled run still shows %s buttons", n)
	}
}
