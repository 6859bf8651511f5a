package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// newPost writes a post through the API as the superuser, with a cover
// in the colour c, and returns its id.
func newPost(t *testing.T, in *e2e.Instance, token string, fields map[string]string, c color.RGBA) string {
	t.Helper()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for k, v := range fields {
		form.WriteField(k, v)
	}
	cover := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for i := range cover.Pix {
		cover.Pix[i] = [4]uint8{c.R, c.G, c.B, 255}[i%4]
	}
	part, _ := form.CreateFormFile("image", fields["slug"]+".png")
	png.Encode(part, cover)
	form.Close()
	req, _ := http.NewRequest("POST", in.URL+"/api/collections/posts/records", &body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var rec struct{ Id string }
	if res.StatusCode != 200 || json.Unmarshal(raw, &rec) != nil {
		t.Fatalf("creating the post %s: %d %s", fields["slug"], res.StatusCode, raw)
	}
	return rec.Id
}

// plainGet is the page as a crawler or a link preview reads it: one HTTP
// GET, no JavaScript.
func plainGet(t *testing.T, url string, headers ...string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", url, res.StatusCode, raw)
	}
	return string(raw)
}

// An anonymous visitor reads the home page (what Postrider does and three
// posts of the blog), opens one, and its read is counted once; the post's
// page holds its title and Open Graph tags without JavaScript; the language
// switch turns the blog Russian, and the web app follows it.
func TestBrowserVisitorReadsTheBlog(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	su := e2e.SuperuserToken(t, in)
	titles := map[string]string{}
	colours := []color.RGBA{{11, 92, 173, 0}, {47, 143, 78, 0}, {192, 57, 43, 0}, {240, 163, 10, 0}}
	for i, c := range colours {
		slug := fmt.Sprintf("news-%d", i+1)
		titles[slug] = fmt.Sprintf("Postrider news %d", i+1)
		newPost(t, in, su, map[string]string{"title": titles[slug], "slug": slug, "published": "true",
			"excerpt": fmt.Sprintf("What is new in part %d.", i+1),
			"body":    fmt.Sprintf("<p>The <b>news</b> of part %d.</p>", i+1)}, c)
	}
	newPost(t, in, su, map[string]string{"title": "Secret draft", "slug": "secret", "body": "<p>Not yet</p>"}, colours[0])

	// the home page: the pitch and three distinct published posts
	cards := `[...document.querySelectorAll('#home-posts li h3 a')]`
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/"), e2e.Until(cards+`.length === 3`))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](cards+`.map(a => a.textContent + '|' + a.getAttribute('href'))`))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range shown {
		title, href, _ := strings.Cut(s, "|")
		slug := strings.TrimPrefix(href, "/blog/")
		if titles[slug] != title || seen[slug] {
			t.Fatalf("the home page shows %q", shown)
		}
		seen[slug] = true
	}
	e2e.MustContain(t, "the home page", e2e.Page(t, ctx, "#app"), "Every message is logged")
	e2e.MustContain(t, "the header", e2e.Page(t, ctx, "#header"), "Blog")
	e2e.Screenshot(t, ctx, "visitor-home.png")

	// the visitor opens the first post: a page of the server's
	first, href, _ := strings.Cut(shown[0], "|")
	slug := strings.TrimPrefix(href, "/blog/")
	// (the page is a new document: WaitVisible follows it, a poll would not)
	title := e2e.Page(t, ctx, "h1", chromedp.Click(`#home-posts li h3 a`), chromedp.WaitVisible(".post-body"))
	if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/blog/"+slug {
		t.Fatalf("the home page's link opened %s, want /blog/%s", path, slug)
	}
	e2e.MustContain(t, "the post's page", title, first)
	e2e.MustContain(t, "the post's text", e2e.Page(t, ctx, ".post-body"), "news of part")
	views := func() int {
		var list struct{ Items []struct{ Views int } }
		in.Call("GET", "/api/collections/posts/records?filter=slug%3D%27"+slug+"%27", "", nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("the post %s through the API: %+v", slug, list)
		}
		return list.Items[0].Views
	}
	e2e.Eventually(t, 30*time.Second, func() error { // the page's beacon is on its way
		if n := views(); n != 1 {
			return fmt.Errorf("the read counted %d views, want 1", n)
		}
		return nil
	})
	// a reload is the same reader on the same day
	e2e.MustContain(t, "the post after a reload", e2e.Page(t, ctx, ".post-meta", chromedp.Reload(),
		chromedp.WaitVisible(".post-body")), "Views: 1")

	// what a crawler or a link preview reads
	source := plainGet(t, in.URL+"/blog/"+slug)
	for _, want := range []string{
		"<title>" + first + " — Postrider</title>",
		`<meta property="og:title" content="` + first + `">`,
		`<meta property="og:image" content="` + in.URL + `/api/files/posts/`,
		`<link rel="canonical" href="` + in.URL + `/blog/` + slug + `">`,
		`<meta name="description" content="What is new in part`,
	} {
		e2e.MustContain(t, "the post's page source", source, want)
	}
	if strings.Contains(plainGet(t, in.URL+"/blog"), "Secret draft") {
		t.Fatal("the draft is listed on /blog")
	}
	e2e.Screenshot(t, ctx, "blog-post.png")
	e2e.CheckAxe(t, ctx, "a post")

	// the language switch: the blog in Russian, remembered by the web app
	toRussian := chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.querySelector('#lang'); s.value = 'ru'; s.dispatchEvent(new Event('change')); })()`)
	nav := e2e.Page(t, ctx, "#header", toRussian, chromedp.WaitVisible(`html[lang="ru"] .post-body`))
	e2e.MustContain(t, "the post's header in Russian", nav, "Блог")
	e2e.MustContain(t, "the post in Russian", e2e.Page(t, ctx, ".post-meta"), "Просмотры: 1")
	heading := e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/blog"), chromedp.WaitVisible(".post-summary"))
	e2e.MustContain(t, "the blog in Russian", heading, "Блог")
	e2e.MustContain(t, "the blog's list in Russian", e2e.Page(t, ctx, "#app"), "Просмотры: 1")
	e2e.CheckAxe(t, ctx, "the blog in Russian")
	e2e.Screenshot(t, ctx, "blog.png")
	home := e2e.Page(t, ctx, "#app", chromedp.Navigate(in.URL+"/"), e2e.Until(cards+`.length === 3`))
	e2e.MustContain(t, "the home page after the blog's switch", home, "Из блога")

	// and back to English from the web app's own switch
	toEnglish := chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.querySelector('#lang'); s.value = 'en'; s.dispatchEvent(new Event('change')); })()`)
	e2e.Page(t, ctx, "h1", toEnglish, e2e.Until(`document.documentElement.lang === 'en'`))
	heading = e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/blog"), chromedp.WaitVisible(".post-summary"))
	e2e.MustContain(t, "the blog after the web app's switch", heading, "Blog")

	// on a phone the blog's links fold behind the menu, as the web app's do
	visible := func(sel string) bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector('`+sel+`'); return !!e && e.getClientRects().length > 0; })()`))
		return err == nil && v
	}
	e2e.Page(t, ctx, "h1", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible("#menu"))
	if visible(`#nav a[href="/login"]`) {
		t.Fatal("on a phone the blog's links show before the menu is opened")
	}
	e2e.Page(t, ctx, "h1", chromedp.Click("#menu"), chromedp.WaitVisible(`#nav a[href="/login"]`))
	e2e.CheckAxe(t, ctx, "the blog on a phone, its menu open")
	e2e.Page(t, ctx, "h1", chromedp.EmulateViewport(1280, 900))

	// a signed-in reader's header leads to their own pages, not to the login
	e2e.ConfirmedUser(t, in, "reader@example.com")
	e2e.LogInAs(t, ctx, in, "reader@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/blog"), chromedp.WaitVisible(`#nav a[href="/mailings"]`))
	if visible(`#nav a[href="/login"]`) || visible(`#nav a[href="/signup"]`) {
		t.Fatal("a signed-in reader's blog header still offers Log in / Sign up")
	}
}
