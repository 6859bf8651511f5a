package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// outsideCards lists what a user sees past its box: every shown element of
// the page (the app's main and an open dialog) whose box reaches past its
// card (the nearest .card, dialog, main, or a box that clips), every
// element whose text runs past its own box, every scroller that scrolls
// sideways with its rows' actions (td.actions) out of its view (scrolling
// is the last resort: its content is not measured against it), and
// every word of 2 to 20 letters broken over two lines (a hyphen or a slash
// may break one). Each with the element and the pixels.
const outsideCards = `(() => {
	const out = [];
	const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
		+ (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '')
		+ ' "' + (e.innerText || e.textContent || '').trim().slice(0, 30).replace(/\s+/g, ' ') + '"';
	const boxOf = (e) => {
		for (let a = e.parentElement; a; a = a.parentElement) {
			if (a.matches('.card, dialog, main') || getComputedStyle(a).overflowX !== 'visible') return a;
		}
		return null;
	};
	const roots = [document.querySelector('main'), ...document.querySelectorAll('dialog[open]')].filter(Boolean);
	for (const root of roots) {
		for (const e of root.querySelectorAll('*')) {
			if (!e.checkVisibility() || e.closest('.visually-hidden, .chart-data')) continue;
			const r = e.getBoundingClientRect();
			if (r.width === 0 || r.height === 0) continue;
			const box = boxOf(e);
			// a scroller's content is reached by scrolling it: it is measured itself
			const scrolls = box && !box.matches('.card, dialog, main') && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
			if (box && !scrolls) {
				const b = box.getBoundingClientRect();
				const past = Math.max(r.right - b.right, b.left - r.left);
				if (past > 1) out.push(name(e) + ' is ' + Math.round(past) + ' px past ' + name(box).split(' ')[0]);
			}
			// a scroller is the last resort: one that scrolls is reported
			// when a row's actions are out of its view (scrolled off)
			if (['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1 && !e.matches('textarea, select')) {
				const v = e.getBoundingClientRect();
				const hidden = [...e.querySelectorAll('td.actions')].filter((a) => a.getBoundingClientRect().right > v.right + 1 || a.getBoundingClientRect().left < v.left - 1);
				if (hidden.length) out.push(name(e) + ' scrolls ' + (e.scrollWidth - e.clientWidth) + ' px sideways, hiding its rows\' actions');
			}
			if (e instanceof HTMLElement && !e.matches('input, select, textarea, svg, svg *') && getComputedStyle(e).overflowX === 'visible'
				&& e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline') {
				out.push(name(e) + ': its text runs ' + (e.scrollWidth - e.clientWidth) + ' px past its box');
			}
		}
		const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!n.parentElement?.checkVisibility() || n.parentElement.closest('.visually-hidden, .chart-data, svg')) continue;
			for (const m of n.data.matchAll(/[^\s\u00a0\-\u2010-\u2014\/]+/g)) {
				if (m[0].length < 2 || m[0].length > 20) continue;
				const range = document.createRange();
				range.setStart(n, m.index);
				range.setEnd(n, m.index + m[0].length);
				const tops = new Set([...range.getClientRects()].filter((q) => q.width > 0).map((q) => Math.round(q.top)));
				if (tops.size > 1) out.push(name(n.parentElement) + ': the word "' + m[0] + '" is broken over two lines');
			}
		}
	}
	return [...new Set(out)].slice(0, 12);
})()`

// OutsideCards names what the page shows past its card (see outsideCards),
// "" when nothing: tables wider than their card, buttons across its edge,
// a dialog's title past the dialog, words broken mid-word.
func OutsideCards(t *testing.T, ctx context.Context) string {
	t.Helper()
	return strings.Join(Eval[[]string](t, ctx, outsideCards), "\n")
}

// Troubles collects what the browser's console would show a developer:
// errors logged, exceptions thrown, and requests answered 4xx/5xx or
// failed (those cancelled by leaving a page aside).
type Troubles struct {
	mu   sync.Mutex
	seen []string
}

// WatchConsole starts collecting the tab's troubles.
func WatchConsole(t *testing.T, ctx context.Context) *Troubles {
	t.Helper()
	tr := &Troubles{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			tr.add("exception: " + e.ExceptionDetails.Text + " " + describe(e.ExceptionDetails.Exception))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, describe(a))
				}
				tr.add("console.error: " + strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				tr.add(fmt.Sprintf("console: %s %s", e.Entry.Text, e.Entry.URL))
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				tr.add(fmt.Sprintf("%d from %s", e.Response.Status, e.Response.URL))
			}
		case *network.EventLoadingFailed:
			if !e.Canceled {
				tr.add("request failed: " + e.ErrorText)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Value)
}

func (tr *Troubles) add(s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.seen = append(tr.seen, s)
}

// Take returns what was collected since the last Take, and forgets it.
func (tr *Troubles) Take() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	seen := tr.seen
	tr.seen = nil
	return seen
}
