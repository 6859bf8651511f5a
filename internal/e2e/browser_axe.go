package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core, the accessibility engine, pinned in testdata/axe (its VERSION
// and licence beside it); the tests inject it, the app never serves it.
var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeRun checks the whole document, the open dialogs with it, and lists
// each serious or critical violation's node: rule, impact, the node's
// selector and the rule's help; with the number of rules that passed, for
// a page axe-core could not check to fail rather than pass.
const axeRun = `axe.run(document).then((r) => ({ passed: r.passes.length, found: r.violations
	.filter((v) => v.impact === 'serious' || v.impact === 'critical')
	.flatMap((v) => v.nodes.map((n) => v.id + ' (' + v.impact + ') ' + n.target.join(' ') + ': ' + v.help
		+ (n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200) : ''))) }))`

// AxeViolations injects axe-core into the page and names every serious or
// critical violation it finds, one a line ("" when none): the rule id, its
// impact, the element's selector and what the rule asks.
func AxeViolations(t *testing.T, ctx context.Context) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(Root(t), "internal", "e2e", "testdata", "axe", "axe.min.js"))
		axeSource, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatalf("reading axe-core: %v", axeErr)
	}
	if !Eval[bool](t, ctx, `typeof axe === 'object'`) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("injecting axe-core: %v", err)
		}
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Passed int      `json:"passed"`
		Found  []string `json:"found"`
	}](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	if r.Passed == 0 {
		t.Fatalf("axe-core checked nothing on this page\n%s", PageText(ctx))
	}
	return strings.Join(r.Found, "\n")
}

// CheckAxe fails the test (going on) when axe-core finds a serious or
// critical violation on the page, saying where the page is.
func CheckAxe(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if found := AxeViolations(t, ctx); found != "" {
		t.Errorf("axe-core finds on %s:\n%s", where, found)
	}
}
