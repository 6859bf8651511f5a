package mailings

// The plain-text part of what the editor makes, and the preview on a
// phone: words stay apart and whole.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// brokenWords names the words (runs of letters) of the shown text under
// sel that the page breaks across lines.
func brokenWords(sel string) string {
	return `(() => { const bad = [];
		for (const root of document.querySelectorAll(` + "'" + sel + "'" + `)) {
			if (!root.checkVisibility()) continue;
			const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let n; (n = walk.nextNode());) {
				for (const m of n.data.matchAll(/\p{L}+/gu)) {
					const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
					const lines = new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top)));
					if (lines.size > 1) bad.push(m[0]);
				}
			}
		}
		return bad.join(' '); })()`
}

// On a phone, a link typed in the editor and the words after it: the
// plain text keeps the space the editor puts after the link (a no-break
// space), and neither the HTML nor the text preview breaks a word.
func TestBrowserTextPartKeepsTheSpaceAfterALinkOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	e2e.ConfirmedUser(t, in, "offers@example.com")
	e2e.LogInAs(t, ctx, in, "offers@example.com")

	const url = "https://example.com/offers"
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Phone.Size,
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Fill(map[string]string{"mailing-subject": "Offers"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "See our offers"),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('offers')`),
		// "our offers" selected and linked, then the user types on
		chromedp.Evaluate[chromedp.Void](`(() => { const text = [...document.querySelector('#mailing-body').querySelectorAll('*')].concat([document.querySelector('#mailing-body')])
				.flatMap((e) => [...e.childNodes]).find((c) => c.nodeType === 3 && c.data.includes('our offers'));
			const r = document.createRange(); r.setStart(text, text.data.indexOf('our')); r.setEnd(text, text.data.length);
			getSelection().removeAllRanges(); getSelection().addRange(r); window.prompt = () => '`+url+`'; })()`),
		chromedp.Click(`.toolbar button[aria-label="Link"]`),
		e2e.Until(`document.querySelector('#mailing-body a') != null`),
		chromedp.Evaluate[chromedp.Void](`getSelection().collapseToEnd()`),
		chromedp.SendKeys("#mailing-body", " for details. "+strings.Repeat("Every word of this letter stays whole on a narrow screen. ", 6)),
		e2e.Until(`document.querySelector('#mailing-body').innerText.includes('narrow screen')`),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Offers"),
	)...)
	if bad := e2e.Eval[string](t, ctx, brokenWords("#draft-preview-html")); bad != "" {
		t.Errorf("the HTML preview on a phone breaks these words: %s", bad)
	}
	text := e2e.Page(t, ctx, "#draft-preview-text", chromedp.Click("#draft-preview-tab-text"), chromedp.WaitVisible("#draft-preview-text"))
	if bad := e2e.Eval[string](t, ctx, brokenWords("#draft-preview-text")); bad != "" {
		t.Errorf("the text preview on a phone breaks these words: %s", bad)
	}
	e2e.MustContain(t, "the plain text", strings.Join(strings.Fields(text), " "), "See our offers ("+url+") for details.")
}
