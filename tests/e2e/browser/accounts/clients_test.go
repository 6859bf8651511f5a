package accounts

// Lists and clients in a real browser: kept by hand, and imported from a
// CSV file.

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"

	"postrider/internal/e2e"
)

// A user keeps lists and clients in the browser: creates, searches,
// filters, pages, puts many into a list and takes them out, deletes; every
// bad input is refused beside its field; another user sees none of it.
func TestBrowserListsAndClients(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	aliceToken := e2e.ConfirmedUser(t, in, "alice@example.com")
	e2e.ConfirmedUser(t, in, "bob@example.com")
	e2e.LogInAs(t, ctx, in, "alice@example.com")

	// a list, and the same name again refused beside the field
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/lists"),
		chromedp.WaitVisible("#new-list-name"),
		e2e.Fill(map[string]string{"new-list-name": "Customers"}),
		chromedp.Click("#new-list button[type=submit]"),
		e2e.WaitRows("#lists-table", 1),
	)...)
	if rows := e2e.RowsOf(t, ctx, "#lists-table"); len(rows) != 1 || !strings.HasPrefix(rows[0], "Customers | 0") {
		t.Fatalf("lists: %q", rows)
	}
	msg := e2e.Page(t, ctx, "#new-list-name-error", e2e.Steps(
		e2e.Fill(map[string]string{"new-list-name": "customers"}),
		chromedp.Click("#new-list button[type=submit]"),
		chromedp.WaitVisible("#new-list-name-error"),
	)...)
	e2e.MustContain(t, "a second list of the same name", msg, "already")

	// clients: one in the list, one not, one refused
	addClient := func(email, list string) {
		e2e.Page(t, ctx, "h1", e2e.Steps(
			chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
			e2e.Fill(map[string]string{"client-email": email, "client-name": "Name of " + email}),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#client-list');
				s.value = [...s.options].find(o => o.text === %q)?.value ?? ''; })()`, list)),
			chromedp.Click("#client button[type=submit]"),
			e2e.Until(fmt.Sprintf(`document.querySelector('#clients-status.ok')?.innerText.includes(%q)`, email)),
		)...)
	}
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), chromedp.WaitVisible("#clients-new"), e2e.WaitRows("#clients-table", 0))
	addClient("ann@example.org", "Customers")
	addClient("ben@example.org", "")
	e2e.Page(t, ctx, "h1", e2e.WaitRows("#clients-table", 2))
	msg = e2e.Page(t, ctx, "#client-email-error", e2e.Steps(
		chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
		e2e.Fill(map[string]string{"client-email": "ANN@example.org"}),
		chromedp.Click("#client button[type=submit]"),
		chromedp.WaitVisible("#client-email-error"),
	)...)
	e2e.MustContain(t, "a client with an email already there", msg, "already")
	msg = e2e.Page(t, ctx, "#client-email-error", e2e.Steps(
		e2e.Fill(map[string]string{"client-email": "not an email"}),
		chromedp.Click("#client button[type=submit]"),
		chromedp.WaitVisible("#client-email-error"),
	)...)
	e2e.MustContain(t, "a client with a bad email", msg, "email address")

	// search, then filter by the list
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.Fill(map[string]string{"clients-search": "ben"}),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#clients-search').form.requestSubmit()`),
		e2e.WaitRows("#clients-table", 1))...)
	if q, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(q, "q=ben") {
		t.Fatalf("the search is not in the address: %s", q)
	}
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); !strings.Contains(rows[0], "ben@example.org") {
		t.Fatalf("searching ben: %q", rows)
	}
	e2e.Page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#clients-search').value = '';
			const f = document.querySelector('#clients-filter'); f.value = [...f.options].find(o => o.text === 'Customers').value;
			f.dispatchEvent(new Event('change')); })()`),
		e2e.WaitRows("#clients-table", 1))
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); !strings.Contains(rows[0], "ann@example.org") {
		t.Fatalf("the Customers list: %q", rows)
	}

	// both into the list at once, then one out again
	bulk := func(button string) {
		e2e.Page(t, ctx, "h1",
			chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('#clients-filter'); f.value = ''; f.dispatchEvent(new Event('change')); })()`),
			e2e.WaitRows("#clients-table", 2),
			chromedp.Click("#clients-all"),
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#bulk-list'); s.value = [...s.options].find(o => o.text === 'Customers').value; })()`),
			chromedp.Click(button),
			// the words of this action: an earlier "Saved." is .ok already
			e2e.Until(`document.querySelector('#clients-status').innerText.includes('Done for 2 clients')`))
	}
	bulk("#bulk-add")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/lists"), e2e.WaitRows("#lists-table", 1))
	if rows := e2e.RowsOf(t, ctx, "#lists-table"); !strings.HasPrefix(rows[0], "Customers | 2") {
		t.Fatalf("after adding both: %q", rows)
	}
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 2))
	bulk("#bulk-remove")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/lists"), e2e.WaitRows("#lists-table", 1))
	if rows := e2e.RowsOf(t, ctx, "#lists-table"); !strings.HasPrefix(rows[0], "Customers | 0") {
		t.Fatalf("after taking both out: %q", rows)
	}

	// pages of 50
	for i := range 53 {
		in.Must(200, "POST", "/api/collections/clients/records", aliceToken, map[string]any{"email": fmt.Sprintf("many%02d@example.org", i)})
	}
	pageLine := e2e.Page(t, ctx, "#clients-page", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 50))
	e2e.MustContain(t, "the pager", pageLine, "Page 1 of 2 (55 clients)")
	e2e.Page(t, ctx, "h1", chromedp.Click(".pager button:last-child"), e2e.WaitRows("#clients-table", 5))

	// delete one, after the confirmation
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients?q=ben"), e2e.WaitRows("#clients-table", 1), e2e.AcceptDialogs,
		chromedp.Click(`#clients-table tr[data-email="ben@example.org"] td.actions button.danger`), e2e.WaitRows("#clients-table", 0))
	var left struct{ TotalItems int }
	in.Call("GET", "/api/collections/clients/records?filter="+url.QueryEscape(`email="ben@example.org"`), aliceToken, nil, &left)
	if left.TotalItems != 0 {
		t.Fatal("ben is still there after deleting him")
	}

	// another user sees none of it
	e2e.Page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	e2e.LogInAs(t, ctx, in, "bob@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 0), chromedp.WaitVisible("#clients-table + .empty"))
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/lists"), e2e.WaitRows("#lists-table", 0), chromedp.WaitVisible("#lists-table + .empty"))
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); err != nil || strings.Contains(text, "Customers") {
		t.Fatalf("bob's lists page shows alice's list: %v\n%s", err, text)
	}
}

// Clients come in from a CSV file: a preview says what would happen, the
// import says what did, refused rows are listed with their line.
func TestBrowserImportsClientsFromCSV(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "importer@example.com")
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Fair 2027"})
	csv := filepath.Join(t.TempDir(), "fair.csv")
	os.WriteFile(csv, []byte("email,name,comment\nann@example.org,Ann,met at the fair\nbob@example.org,Bob,\nnot an email,Zed,\nann@example.org,Ann again,\n"), 0o644)
	e2e.LogInAs(t, ctx, in, "importer@example.com")

	chooseList := chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#import-list');
		s.value = [...s.options].find(o => o.text === 'Fair 2027').value; })()`)
	summary := e2e.Page(t, ctx, "#import-summary",
		chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 0),
		chromedp.Click("#clients-import"), chromedp.WaitVisible("#import-file"),
		e2e.Until(`[...document.querySelectorAll('#import-list option')].some(o => o.text === 'Fair 2027')`),
		chromedp.SetUploadFiles("#import-file", []string{csv}), chooseList,
		chromedp.Click("#import-preview"), chromedp.WaitVisible("#import-summary"))
	e2e.MustContain(t, "the preview", summary, "4 rows: 2 would be added, 1 are already clients, 1 would be refused")
	e2e.MustContain(t, "the refused row", e2e.Page(t, ctx, "#import-problems"), "Line 4 (not an email): not an email address")
	var saved struct{ TotalItems int }
	if in.Call("GET", "/api/collections/clients/records", token, nil, &saved); saved.TotalItems != 0 {
		t.Fatalf("the preview saved %d clients", saved.TotalItems)
	}

	summary = e2e.Page(t, ctx, "#import-summary", chromedp.Click("#import-go"),
		e2e.Until(`document.querySelector('#import-summary').innerText.includes('2 added')`))
	e2e.MustContain(t, "the import", summary, "2 added")
	// a Russian Excel's file (Windows-1251, semicolons, a quoted one in a
	// name): the preview shows its rows as the server reads them, each
	// name whole in its own column
	ru, err := charmap.Windows1251.NewEncoder().String("Email;ФИО\nivan@example.org;\"Петров; Иван\"\n")
	if err != nil {
		t.Fatal(err)
	}
	ruCSV := filepath.Join(t.TempDir(), "excel.csv")
	os.WriteFile(ruCSV, []byte(ru), 0o644)
	e2e.Page(t, ctx, "#import-summary", chromedp.SetUploadFiles("#import-file", []string{ruCSV}), chromedp.Click("#import-preview"),
		e2e.Until(`document.querySelector('#import-summary').innerText.includes('1 rows: 1 would be added')`))
	if rows := e2e.RowsOf(t, ctx, ".preview-rows"); len(rows) != 1 || rows[0] != "2 | ivan@example.org | Петров; Иван | " {
		t.Fatalf("the preview of a Windows-1251 file with semicolons shows %q", rows)
	}

	// the clients page, one click away, shows the imported clients
	e2e.Page(t, ctx, "h1", chromedp.Click(".back a"), e2e.WaitRows("#clients-table", 2))
	rows := strings.Join(e2e.RowsOf(t, ctx, "#clients-table"), "\n")
	for _, want := range []string{"ann@example.org | Ann | Fair 2027", "bob@example.org | Bob | Fair 2027"} {
		e2e.MustContain(t, "the clients table", rows, want)
	}

	// the export: the file's own text, caught on its way to the download
	e2e.MustContain(t, "the export", e2e.Page(t, ctx, "#clients-status", e2e.CatchDownload, chromedp.Click("#clients-export"),
		e2e.Until(`document.querySelector('#clients-status').innerText.includes('exported')`)), "2 clients exported")
	csvText := e2e.CaughtCSV(t, ctx)
	if !strings.HasPrefix(csvText, "\ufeff\"email\",\"name\",\"comment\",\"lists\",\"unsubscribed\",\"timezone\"\r\n") ||
		!strings.Contains(csvText, "\"ann@example.org\",\"Ann\",\"met at the fair\",\"Fair 2027\",\"false\",\"\"\r\n") {
		t.Fatalf("the exported file (it starts with a byte-order mark, for Excel):\n%q", csvText)
	}

	// one client's lists change in its edit form
	e2e.Page(t, ctx, "h1",
		chromedp.Click(`#clients-table tr[data-email="bob@example.org"] td.actions button.link:not(.danger)`),
		chromedp.WaitVisible("#client-lists input"),
		chromedp.Click("#client-lists input"), // untick Fair 2027
		chromedp.Click("#client button[type=submit]"),
		// the status line is already .ok from the export: wait for bob's row itself
		e2e.Until(`((r) => r != null && !r.innerText.includes('Fair 2027'))(document.querySelector('#clients-table tr[data-email="bob@example.org"]'))`),
		e2e.WaitRows("#clients-table", 2))
	rows = strings.Join(e2e.RowsOf(t, ctx, "#clients-table"), "\n")
	if strings.Contains(rows, "bob@example.org | Bob | Fair 2027") || !strings.Contains(rows, "ann@example.org | Ann | Fair 2027") {
		t.Fatalf("after taking bob out of the list in his form:\n%s", rows)
	}
}
