package pages

import (
	"fmt"
	"postrider/internal/e2e"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/dnstest"
)

// A user adds a domain on the Domains page, copies its records to their
// DNS (the test's server, which the binary asks through
// POSTRIDER_DNS_SERVER), checks, and sees every record hold and the domain
// verified; a domain that publishes another key is told so, one that
// publishes nothing is told that, in Russian on a phone, and is deleted.
func TestBrowserDomainsAddCheckAndDelete(t *testing.T) {
	ctx := e2e.Browser(t)
	dns := dnstest.Start(t)
	in := e2e.Serve(t, map[string]string{
		"POSTRIDER_DNS_SERVER": dns.Addr, "POSTRIDER_BOUNCE_DOMAIN": "mail.postrider.test", "POSTRIDER_DISPATCH_CRON": "off",
	})
	e2e.ConfirmedUser(t, in, "owner@example.com")
	e2e.LogInAs(t, ctx, in, "owner@example.com")

	// the header's Senders leads to the sending pages, their Domains tab
	// to this one; two domains are added there
	e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/senders"]`), chromedp.Click(`#sending-tabs a[href="/domains"]`),
		chromedp.WaitVisible("#new-domain-domain"))
	if got := e2e.Page(t, ctx, `#nav a[aria-current="page"]`); got != "Senders" {
		t.Errorf("on the domains page the header marks %q as the current section, want Senders", got)
	}
	add := func(name, shown string) {
		t.Helper()
		e2e.Page(t, ctx, "#domains-list", e2e.Steps(e2e.Fill(map[string]string{"new-domain-domain": name}),
			chromedp.Click("#new-domain button[type=submit]"),
			e2e.Until(fmt.Sprintf(`document.querySelector('article[data-domain=%q] tr[data-kind="return_path"]') != null`, shown)))...)
	}
	add("Shop.Example", "shop.example")
	add("other.example", "other.example")

	// what the page says to publish, as the user copies it
	type record struct{ Kind, Type, Name, Value string }
	recordsOf := func(domain string) []record {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]record](fmt.Sprintf(`[...document.querySelectorAll('article[data-domain=%q] tr[data-kind]')]
			.map(r => ({Kind: r.dataset.kind, Type: r.cells[1].innerText.trim(),
				Name: r.cells[2].querySelector('code').textContent, Value: r.cells[3].querySelector('code').textContent}))`, domain)))
		if err != nil || len(got) != 4 {
			t.Fatalf("the records of %s: %v %v", domain, got, err)
		}
		return got
	}
	shop := recordsOf("shop.example")
	want := map[string][2]string{
		"spf":         {"shop.example", "v=spf1 include:mail.postrider.test ~all"},
		"dmarc":       {"_dmarc.shop.example", "v=DMARC1; p=none; rua=mailto:dmarc@shop.example"},
		"return_path": {"bounces.shop.example", "mail.postrider.test"},
	}
	for _, r := range shop {
		if w, ok := want[r.Kind]; ok && (r.Name != w[0] || r.Value != w[1]) {
			t.Errorf("%s: %s %q, want %q", r.Kind, r.Name, r.Value, w)
		}
		if r.Kind == "dkim" && (!strings.HasPrefix(r.Name, "postrider-") || !strings.HasSuffix(r.Name, "._domainkey.shop.example") ||
			!strings.HasPrefix(r.Value, "v=DKIM1; k=rsa; p=MII")) {
			t.Errorf("dkim: %s %q", r.Name, r.Value)
		}
		if r.Type == "CNAME" {
			dns.CNAME(r.Name, r.Value)
		} else {
			dns.TXT(r.Name, r.Value)
		}
	}
	// other.example publishes shop's key at its own DKIM name,
	// and an SPF record of its own that lacks the service
	dns.TXT(recordsOf("other.example")[0].Name, shop[0].Value)
	dns.TXT("other.example", "v=spf1 include:_spf.example.net ~all")

	// a copy button says it copied
	e2e.Page(t, ctx, "body", chromedp.Click(`article[data-domain="shop.example"] tr[data-kind="dkim"] td:nth-child(4) .copy`),
		e2e.Until(`document.querySelector('article[data-domain="shop.example"] tr[data-kind="dkim"] td:nth-child(4) .copied').innerText === 'Copied.'`))

	check := func(domain string) string {
		t.Helper()
		sel := fmt.Sprintf(`article[data-domain=%q]`, domain)
		return e2e.Page(t, ctx, sel, chromedp.Click(sel+" button.check"),
			e2e.Until(fmt.Sprintf(`document.querySelector('%s .domain-state').innerText.includes(%q) || document.querySelector('%s .domain-state').innerText.includes(%q)`,
				sel, "Checked", sel, "Проверен")))
	}
	got := check("shop.example")
	e2e.MustContain(t, "shop.example after its check", got, "Verified")
	if rows := e2e.RowsOf(t, ctx, `article[data-domain="shop.example"] table`); len(rows) != 4 || strings.Contains(strings.Join(rows, "\n"), "Does not hold") {
		t.Fatalf("shop.example's records after the check: %q, want all four holding", rows)
	}
	got = check("other.example")
	e2e.MustContain(t, "other.example after its check", got, "Not verified")
	e2e.MustContain(t, "other.example after its check", got, "holds another key")
	e2e.MustContain(t, "other.example after its check", got, "lacks include:mail.postrider.test")
	if strings.Contains(got, "PRIVATE") {
		t.Fatal("the page shows a private key")
	}
	e2e.Screenshot(t, ctx, "domains.png")

	// in Russian on a phone: a domain with no records is told so, and the
	// records stay within the screen
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/domains"), chromedp.WaitVisible("#menu"), e2e.Speak("ru"),
		chromedp.WaitVisible("#new-domain-domain"))
	add("пусто.рф", "xn--n1abged.xn--p1ai")
	got = check("xn--n1abged.xn--p1ai")
	e2e.MustContain(t, "the empty domain in Russian", got, "Не подтверждён")
	e2e.MustContain(t, "the empty domain in Russian", got, "пока ничего не опубликовано")
	e2e.MustContain(t, "the Russian page", e2e.Page(t, ctx, `article[data-domain="shop.example"]`), "Подтверждён")
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !wide {
		t.Errorf("on a phone the page is wider than the screen (%v)", err)
	}
	e2e.Screenshot(t, ctx, "domains-phone-ru.png")

	// deleting takes the domain off the page (and the service)
	e2e.Page(t, ctx, "#domains-list", e2e.AcceptDialogs,
		chromedp.Click(`article[data-domain="other.example"] button.danger`),
		e2e.Until(`document.querySelector('article[data-domain="other.example"]') == null && document.querySelector('article[data-domain="shop.example"]') != null`))
}
