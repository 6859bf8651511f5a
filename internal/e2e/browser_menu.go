package e2e

import "github.com/chromedp/chromedp"

// RowMenu opens the "⋯" menu that holds a table row's actions (rowMenu in
// pb_public/js/ui.js) as a user does, a click on its button, and waits until
// its actions show; row selects the row (or the table, for its first row).
func RowMenu(row string) []chromedp.Action[chromedp.Void] {
	return Steps(chromedp.Click(row+" .row-menu-button"), chromedp.WaitVisible(row+" .row-menu-items"))
}
