package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Speak switches the web app's language with the header's switch, until
// the header speaks it.
func Speak(lang string) chromedp.Action[chromedp.Void] {
	menu := map[string]string{"en": "Menu", "ru": "Меню"}[lang]
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#lang'); s.value = %q;
			s.dispatchEvent(new Event('change')); })()`, lang)),
		Until(fmt.Sprintf(`document.querySelector('#menu')?.textContent === %q`, menu)),
	)
}

// AfterFormPost waits for expr on the page a form's POST loads: a wait that
// the navigation cuts short (DevTools' -32000: the old page's context is
// gone) is started again on the new page.
func AfterFormPost(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	Eventually(t, 90*time.Second, func() error {
		err := chromedp.Do(ctx, Until(expr))
		if err != nil && !strings.Contains(err.Error(), "(-32000)") {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
		return err
	})
}
