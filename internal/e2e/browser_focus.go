package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusedJS names the element that has the focus, whether it matches a
// selector, and whether a user sees where it is: its computed outline, 2 px
// or more, whose colour stands out 3:1 or more (WCAG's non-text contrast)
// from the background it is drawn on (the nearest ancestor's that is not
// transparent, the outline being drawn outside the element).
const focusedJS = `((sel) => { const e = document.activeElement;
	if (!e || e === document.body) return { name: 'body', ring: '', matches: false };
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
	return { name, ring, matches: e.matches(sel) };
})(%q)`

// Focus is where the keyboard's focus is: the element (its tag, id, name,
// text and outline), its ring ("" when a user cannot see it), and whether
// it matches the selector asked about.
type Focus struct {
	Name    string `json:"name"`
	Ring    string `json:"ring"`
	Matches bool   `json:"matches"`
}

// Focused reports where the focus is; Name is "body" when no element has it.
func Focused(t *testing.T, ctx context.Context, sel string) Focus {
	t.Helper()
	return Eval[Focus](t, ctx, fmt.Sprintf(focusedJS, sel))
}

// Tab presses Tab, as a keyboard user does, and reports where the focus went.
func Tab(t *testing.T, ctx context.Context, sel string) Focus {
	t.Helper()
	Page(t, ctx, "body", chromedp.KeyEvent(kb.Tab))
	return Focused(t, ctx, sel)
}
