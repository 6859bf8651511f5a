package dispatch_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"postrider/dispatch"
)

// addresses are the href and src values of an HTML part, as a mail
// client reads them (entities decoded).
func addresses(t *testing.T, part string) map[string][]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(part))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for _, a := range n.Attr {
			if a.Key == "href" || a.Key == "src" {
				out[n.Data+" "+a.Key] = append(out[n.Data+" "+a.Key], a.Val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// A placeholder in a link's address cannot carry a client's value past
// the body's link rule: filled, the address is still http(s) or mailto,
// or the link goes nowhere.
func TestAPlaceholderInALinkKeepsTheLinkRule(t *testing.T) {
	w := newWorld(t)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "evil@example.org", "name": "javascript:alert(1)",
		"comment": " JaVaScRiPt:alert(document.cookie)", "lists": []string{list.Id}})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "tab@example.org", "name": "javascript",
		"comment": "java\tscript:alert(2)", "lists": []string{list.Id}})
	w.save("clients", map[string]any{"owner": w.user.Id, "email": "anna@example.org", "name": "https://anna.example/home",
		"comment": "https://shop.example/p?id=1&x=2", "lists": []string{list.Id}})
	m := w.save("mailings", map[string]any{
		"owner": w.user.Id, "subject": "Your page", "lists": []string{list.Id},
		"body": `<p><a href="{{name}}">you</a> <a href="{{first_name}}:alert(1)">again</a> <a href="{{comment}}">your page</a>` +
			`<img src="{{comment}}" alt="you"> <a href="https://shop.example/u/{{email}}">shop</a> <a href="{{unsubscribe_url}}">leave</a></p>`,
	})
	if body := m.GetString("body"); !strings.Contains(body, `href="{{name}}"`) || !strings.Contains(body, `href="{{first_name}}:alert(1)"`) {
		t.Fatalf("the body as saved lost its links: %s", body)
	}
	w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "daily")
	if s := w.mustPass(dispatch.Options{}); s.Sent != 3 {
		t.Fatalf("summary: %s", s)
	}

	got := w.sent()
	for email, want := range map[string]map[string][]string{
		"evil@example.org": {"a href": {"", "", "", "https://shop.example/u/evil@example.org"}, "img src": {""}},
		"tab@example.org":  {"a href": {"", "", "", "https://shop.example/u/tab@example.org"}, "img src": {""}},
		"anna@example.org": {"a href": {"https://anna.example/home", "https://anna.example/home:alert(1)", "https://shop.example/p?id=1&x=2", "https://shop.example/u/anna@example.org"},
			"img src": {"https://shop.example/p?id=1&x=2"}},
	} {
		msg, ok := got[email]
		if !ok {
			t.Fatalf("no message to %s", email)
		}
		part := msg.Parts["text/html"]
		if strings.Contains(strings.ToLower(part), "script:") {
			t.Errorf("the message to %s has a script link:\n%s", email, part)
		}
		found := addresses(t, part)
		links := found["a href"]
		if len(links) != 5 {
			t.Fatalf("the message to %s has %d links, want 5: %q\n%s", email, len(links), links, part)
		}
		if u, err := url.Parse(links[4]); err != nil || !strings.HasPrefix(u.Scheme, "http") || !strings.Contains(u.Path, "/unsubscribe/") {
			t.Errorf("the message to %s: unsubscribe link %q", email, links[4])
		}
		if !slices.Equal(links[:4], want["a href"]) || !slices.Equal(found["img src"], want["img src"]) {
			t.Errorf("the message to %s: links %q, image %q; want %q, %q", email, links[:4], found["img src"], want["a href"], want["img src"])
		}
	}
}
