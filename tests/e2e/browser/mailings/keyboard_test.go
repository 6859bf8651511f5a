package mailings

// The mailing form by keyboard alone: Tab from the top of the page reaches
// Save, and every control on the way shows where the focus is.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"postrider/internal/e2e"
)

// focused names the element that has the focus, and whether a user sees
// where it is: its computed outline, 2 px or more, whose colour stands out
// 3:1 or more (WCAG's non-text contrast) from the background it is drawn
// on (the nearest ancestor's that is not transparent, the outline being
// drawn outside the element).
const focused = `(() => { const e = document.activeElement;
	if (!e || e === document.body) return { name: 'body', ring: '', save: false };
	const rgb = (c) => c.match(/[\d.]+/g).map(Number);
	const lum = (c) => { const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
		return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	let behind = 'rgb(255, 255, 255)';
	for (let a = e.parentElement; a; a = a.parentElement) {
		const c = getComputedStyle(a).backgroundColor;
		if (rgb(c)[3] !== 0) { behind = c; break; }
	}
	const s = getComputedStyle(e);
	const [hi, lo] = [lum(s.outlineColor), lum(behind)].sort((x, y) => y - x);
	const contrast = (hi + 0.05) / (lo + 0.05);
	const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && contrast >= 3
		? s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ', ' + contrast.toFixed(1) + ':1 on ' + behind : '';
	const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
		+ ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30).replace(/\s+/g, ' ') + '"'
		+ ' (outline ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ', ' + contrast.toFixed(1) + ':1 on ' + behind + ')';
	return { name, ring, save: e.matches('#mailing > button[type=submit]') };
})()`

type focus struct {
	Name string `json:"name"`
	Ring string `json:"ring"`
	Save bool   `json:"save"`
}

func TestBrowserMailingFormByKeyboardWithAVisibleFocus(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "keys@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "r1@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "keys@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible("#mailing-subject"),
		chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input[type=checkbox]"))

	var path []string
	for i := 0; i < 200; i++ {
		e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Tab))
		f := e2e.Eval[focus](t, ctx, focused)
		if f.Name == "body" {
			t.Fatalf("Tab left the page before reaching Save, after:\n%s", strings.Join(path, "\n"))
		}
		if f.Ring == "" {
			t.Errorf("the focus on %s shows no ring a user sees", f.Name)
		}
		if len(path) == 0 || path[len(path)-1] != f.Name {
			path = append(path, f.Name)
		}
		if f.Save {
			return
		}
	}
	t.Fatalf("200 presses of Tab never reached Save; they went through:\n%s", strings.Join(path, "\n"))
}
