package mailings

// The mailing editor's tools: placeholders from a menu, named in words
// wherever a subject shows; undo, the HTML source, pasting from an office
// suite, and the preview at a desktop's and a phone's width.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// pickPlaceholder chooses name in the editor's placeholder menu, answering
// the fallback question with fallback.
func pickPlaceholder(name, fallback string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { window.prompt = () => '` + fallback + `';
		const s = document.querySelector('#mailing-placeholder'); s.value = '` + name + `'; s.dispatchEvent(new Event('change')); })()`)
}

// The menu puts {{first_name|you}} in the subject and {{name}} in the body
// where the caret is; the saved mailing's subject reads "first name (or:
// you)" on its page, in the window's title, in the list, on the home page
// and in the log's picker, never as raw braces.
func TestBrowserEditorInsertsPlaceholdersAndSubjectsNameThem(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "named@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "r@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "named@example.com")

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input"),
		chromedp.Click("#mailing-subject"), chromedp.SendKeys("#mailing-subject", "News for "),
		pickPlaceholder("first_name", "you"),
		e2e.Until(`document.querySelector('#mailing-subject').value === 'News for {{first_name|you}}'`),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Dear "),
		pickPlaceholder("name", ""),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('Dear {{name}}')`),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 1.')`),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"),
	)...)
	if m := records(in, token, "mailings", "")[0]; m["subject"] != "News for {{first_name|you}}" || !strings.Contains(m["body"].(string), "Dear {{name}}") {
		t.Fatalf("saved: subject %q, body %q", m["subject"], m["body"])
	}
	const named = "News for first name (or: you)"
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	title, _ := chromedp.Run(ctx, chromedp.Title())
	for what, got := range map[string]string{
		"the mailing's heading": flat(e2e.Page(t, ctx, "h1")),
		"the window's title":    title,
		"the list":              flat(e2e.Page(t, ctx, "#mailings-table", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))),
		"the home page":         flat(e2e.Page(t, ctx, "#home-next", chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#home-next a"))),
		"the log's picker":      flat(e2e.Page(t, ctx, "#logs-mailing", chromedp.Navigate(in.URL+"/logs"), e2e.Until(`document.querySelectorAll('#logs-mailing option').length === 2`))),
	} {
		if strings.Contains(got, "{{") {
			t.Errorf("%s shows the raw placeholder: %q", what, got)
		}
		if want := named; what == "the window's title" || what == "the log's picker" {
			e2e.MustContain(t, what, got, "News for [first name (or: you)]")
		} else {
			e2e.MustContain(t, what, got, want)
		}
	}
}

// Undo takes back what was typed and redo brings it again; the HTML view
// shows the body's source, and what is typed there (cleaned) is the body;
// a paste from an office suite loses its styles, classes and <o:p> marks;
// the preview shows the HTML at a phone's width and back at a desktop's.
func TestBrowserEditorUndoSourcePasteAndPreviewWidths(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	e2e.ConfirmedUser(t, in, "tools@example.com")
	e2e.LogInAs(t, ctx, in, "tools@example.com")
	body := func() string { return e2e.Eval[string](t, ctx, `document.querySelector('#mailing-body').innerHTML`) }

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Fill(map[string]string{"mailing-subject": "Tools"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Typed words"),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('Typed words')`),
		chromedp.Click(`.toolbar button[aria-label="Undo"]`),
		e2e.Until(`!document.querySelector('#mailing-body').innerText.includes('Typed words')`),
		chromedp.Click(`.toolbar button[aria-label="Redo"]`),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('Typed words')`),
	)...)

	// the source: shown, edited, and the visual editor again
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Click("#mailing-body-source-toggle"), chromedp.WaitVisible("#mailing-body-source"),
		e2e.Until(`document.querySelector('#mailing-body-source').value.includes('Typed words')`),
		e2e.Fill(map[string]string{"mailing-body-source": `<h2>From the source</h2><p>A <b>bold</b> word<script>alert(1)</script></p>`}),
		chromedp.Click("#mailing-body-source-toggle"), chromedp.WaitVisible("#mailing-body"),
	)...)
	if got := body(); !strings.Contains(got, "<h2>From the source</h2>") || !strings.Contains(got, "<b>bold</b>") || strings.Contains(got, "script") {
		t.Errorf("the body after the HTML view: %q", got)
	}

	// a paste from Word
	const word = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{mso-style-parent:"";margin:0}</style></head><body>
		<!--[if gte mso 9]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]-->
		<p class="MsoNormal" style="mso-line-height-alt:12pt;color:red"><span style="mso-bidi-font-weight:bold">Pasted from Word</span><o:p>&nbsp;</o:p></p></body></html>`
	e2e.Page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('#mailing-body'); e.focus();
			const r = document.createRange(); r.selectNodeContents(e); r.collapse(false); getSelection().removeAllRanges(); getSelection().addRange(r);
			const dt = new DataTransfer(); dt.setData('text/html', `+"`"+word+"`"+`); dt.setData('text/plain', 'Pasted from Word');
			e.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })); })()`),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('Pasted from Word')`))
	got := body()
	for _, bad := range []string{"mso", "Mso", "o:p", "class=", "style", "OfficeDocumentSettings"} {
		if strings.Contains(got, bad) {
			t.Errorf("the pasted body keeps %q: %q", bad, got)
		}
	}

	// the preview at a phone's width and back
	width := func() float64 {
		return e2e.Eval[float64](t, ctx, `document.querySelector('#draft-preview-html').getBoundingClientRect().width`)
	}
	e2e.Page(t, ctx, "h1", chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Tools"),
		chromedp.Click("#draft-preview-width-phone"), e2e.Until(`document.querySelector('#draft-preview-html').getBoundingClientRect().width <= 375`))
	if w := width(); w > 375 {
		t.Errorf("the phone preview is %.0f px wide", w)
	}
	e2e.Page(t, ctx, "h1", chromedp.Click("#draft-preview-width-desktop"), e2e.Until(`document.querySelector('#draft-preview-html').getBoundingClientRect().width > 600`))
}
