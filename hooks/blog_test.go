package hooks_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/hooks"
	"postrider/internal/sqlplan"
)

// The blog's fixture: the main fixture's "hello" (published, newest) and
// "draft", plus twelve older published posts: "evil" (HTML with every
// trick a sanitizer must catch, and a cover) and post-01…post-11 (post-01
// the newest of them, odd ones with a cover). 13 published posts: two
// pages of /blog.
const (
	blogURL   = "http://localhost:8090" // PocketBase's app URL in tests
	evilBody  = `<p>Hi <b>bold</b> <img src="https://example.com/cat.png" onerror="alert('img')"></p><script>alert('x')</script><a href="javascript:alert('link')">click</a><iframe src="https://example.com/frame"></iframe><p onclick="alert('p')">end</p>`
	browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)

var (
	blogFixtureOnce sync.Once
	blogFixtureDir  string
	blogFixtureErr  error
)

// newBlogApp is a copy of the blog's fixture with every hook bound and the
// blog's templates read from the repository's pb_hooks/blog.
func newBlogApp(t testing.TB) *tests.TestApp {
	t.Helper()
	blogFixtureOnce.Do(func() { blogFixtureDir, blogFixtureErr = makeBlogFixture() })
	if blogFixtureErr != nil {
		t.Fatal(blogFixtureErr)
	}
	app, err := tests.NewTestApp(blogFixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, config.Config{BlogDir: "../pb_hooks/blog"})
	return app
}

func makeBlogFixture() (string, error) {
	app, err := tests.NewTestApp(fixtureDir)
	if err != nil {
		return "", err
	}
	hooks.Register(app, config.Config{})
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		return "", err
	}
	add := func(slug, title, body string, daysAgo int, cover bool) error {
		r := core.NewRecord(posts)
		r.Load(map[string]any{"title": title, "slug": slug, "body": body, "published": true,
			"published_at": types.NowDateTime().Add(-time.Duration(daysAgo) * 24 * time.Hour)})
		if cover {
			f, err := filesystem.NewFileFromBytes(pngBytes(), slug+".png")
			if err != nil {
				return err
			}
			r.Set("image", f)
		}
		return app.Save(r)
	}
	if err := add("evil", "Evil", evilBody, 1, true); err != nil {
		return "", err
	}
	for i := 1; i <= 11; i++ {
		if err := add(fmt.Sprintf("post-%02d", i), fmt.Sprintf("Post %02d", i), fmt.Sprintf("<p>Text of post %02d.</p>", i), 1+i, i%2 == 1); err != nil {
			return "", err
		}
	}
	dir := app.DataDir()
	if err := app.ResetBootstrapState(); err != nil {
		return "", err
	}
	return dir, nil
}

func pngBytes() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	return b.Bytes()
}

func blogScenario(name, url string, status int, want, notWant []string, headers ...string) tests.ApiScenario {
	s := tests.ApiScenario{
		Name: name, Method: http.MethodGet, URL: url, TestAppFactory: newBlogApp,
		ExpectedStatus: status, ExpectedContent: want, NotExpectedContent: notWant,
		Headers: map[string]string{},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		s.Headers[headers[i]] = headers[i+1]
	}
	return s
}

// /blog lists published posts newest first, ten a page, each with its
// cover, date, excerpt and views; a draft is on no page and has no page of
// its own; every page carries what a crawler or a link preview reads.
func TestBlogPages(t *testing.T) {
	newest := []string{">Hello<", ">Evil<", ">Post 01<", ">Post 08<"}
	oldest := []string{">Post 09<", ">Post 10<", ">Post 11<"}
	draft := []string{">Draft<", "/blog/draft"}
	head := []string{
		`<link rel="alternate" type="application/atom+xml" title="Postrider blog" href="` + blogURL + `/blog/feed.xml">`,
		`<link rel="stylesheet" href="/style.css">`,
		`<meta name="description" content="`, `<meta property="og:description" content="`,
	}
	scenarios := []tests.ApiScenario{
		blogScenario("the first page", "/blog", 200, append(append(slices.Clone(newest), head...),
			`<title>Blog — Postrider</title>`, `<meta property="og:title" content="Blog">`,
			`<link rel="canonical" href="`+blogURL+`/blog">`, `<meta property="og:url" content="`+blogURL+`/blog">`,
			`<meta property="og:type" content="website">`, `href="/blog?page=2" rel="next"`, "Page 1 of 2",
			`<img src="`+blogURL+`/api/files/posts/`, `?thumb=640x360`, "Views: 0", "Text of post 01.",
			`<a href="/login" data-visitor>Log in</a>`, `<a href="/signup" data-visitor>Sign up</a>`, `<select id="lang"`),
			append(slices.Clone(oldest), draft...)),
		blogScenario("the second page", "/blog?page=2", 200, append(slices.Clone(oldest), `href="/blog" rel="prev"`, "Page 2 of 2",
			`<link rel="canonical" href="`+blogURL+`/blog?page=2">`),
			append(slices.Clone(newest), draft...)),
		blogScenario("a page past the last", "/blog?page=3", 404, []string{"Post not found"}, oldest),
		blogScenario("a page that is no number", "/blog?page=x", 404, []string{"Post not found"}, nil),
		blogScenario("a draft", "/blog/draft", 404, []string{"Post not found", `<html lang="en">`}, []string{"Soon"}),
		blogScenario("an unknown slug", "/blog/nothing-here", 404, []string{"Post not found"}, nil),
		blogScenario("a post", "/blog/post-01", 200, append(slices.Clone(head),
			`<title>Post 01 — Postrider</title>`, `<meta property="og:title" content="Post 01">`,
			`<meta name="description" content="Text of post 01.">`,
			`<link rel="canonical" href="`+blogURL+`/blog/post-01">`, `<meta property="og:url" content="`+blogURL+`/blog/post-01">`,
			`<meta property="og:type" content="article">`, `<meta property="og:image" content="`+blogURL+`/api/files/posts/`,
			`<p>Text of post 01.</p>`, `data-view="/blog/post-01/view"`, `<script type="module" src="/js/blog.js">`),
			nil),
		blogScenario("a post without a cover", "/blog/hello", 200, []string{`<title>Hello — Postrider</title>`, `<p>Welcome</p>`},
			[]string{"og:image"}),
		blogScenario("a post's HTML, sanitized", "/blog/evil", 200,
			[]string{`<b>bold</b>`, `<img src="https://example.com/cat.png">`, `</p>click<p>end</p>`},
			[]string{"<script>alert", "alert(", "onerror", "onclick", "javascript:", "<iframe", "example.com/frame"}),
		blogScenario("in Russian by the web app's cookie", "/blog", 200,
			[]string{`<html lang="ru">`, `<title>Блог — Postrider</title>`, ">Блог<", "Войти", "Просмотры: 0", "Страница 1 из 2", `<option value="ru" selected>`},
			[]string{"Log in"}, "Cookie", "lang=ru"),
		blogScenario("in Russian by the browser's language", "/blog/post-01", 200,
			[]string{`<html lang="ru">`, "← Все записи", "Регистрация"}, nil, "Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8"),
		blogScenario("the cookie wins over the browser's language", "/blog", 200,
			[]string{`<html lang="en">`, "Log in"}, nil, "Accept-Language", "ru", "Cookie", "lang=en"),
		blogScenario("the switch without JavaScript", "/blog?lang=ru", 200, []string{`<html lang="ru">`}, nil, "Cookie", "lang=en"),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// Anonymous REST readers see published posts only, with the same
// sanitized HTML as the pages; the superuser who wrote it reads it as written.
func TestBlogPostsThroughTheAPI(t *testing.T) {
	dangerous := []string{"alert(", "onerror", "onclick", "javascript:", "iframe"}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous list", Method: http.MethodGet, URL: recordsURL("posts") + "?perPage=50", TestAppFactory: newBlogApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":13`, `"slug":"evil"`, `bold`},
			NotExpectedContent: append([]string{`"slug":"draft"`, draftPost}, dangerous...),
		},
		{
			Name: "anonymous list asking for drafts", Method: http.MethodGet, URL: recordsURL("posts") + "?filter=published%3Dfalse", TestAppFactory: newBlogApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{draftPost},
		},
		{
			Name: "a user's list", Method: http.MethodGet, URL: recordsURL("posts") + "?perPage=50", TestAppFactory: newBlogApp,
			Headers:        map[string]string{"Authorization": tokens["mod"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":13`}, NotExpectedContent: append([]string{draftPost}, dangerous...),
		},
		{
			Name: "anonymous view of a draft", Method: http.MethodGet, URL: recordsURL("posts") + "/" + draftPost, TestAppFactory: newBlogApp,
			ExpectedStatus: 404, NotExpectedContent: []string{"Soon"},
		},
		{
			Name: "the superuser's list", Method: http.MethodGet, URL: recordsURL("posts") + "?perPage=50", TestAppFactory: newBlogApp,
			Headers:        map[string]string{"Authorization": tokens["superuser"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":14`, draftPost, "onerror", "javascript:"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func viewsOf(t *testing.T, app *tests.TestApp, slug string) int {
	t.Helper()
	r, err := app.FindFirstRecordByData("posts", "slug", slug)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetInt("views")
}

// A read counts once per reader, post and day: a reload, a bot, a link
// preview, a REST read and a draft add nothing.
func TestBlogViewsCountOncePerReaderADay(t *testing.T) {
	app := newBlogApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	beacon := func(slug, ua string, headers ...string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/blog/"+slug+"/view", nil)
		req.Header.Set("User-Agent", ua)
		if ua == iPhoneUA {
			req.RemoteAddr = "198.51.100.20:40000" // another reader, at another address
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if status, body := a.serve(req); status != http.StatusNoContent {
			t.Fatalf("the beacon answered %d: %s", status, body)
		}
	}
	steps := []struct {
		what      string
		do        func()
		post      string
		wantViews int
	}{
		{"a first read", func() { beacon("post-01", browserUA) }, "post-01", 1},
		{"a reload", func() { beacon("post-01", browserUA) }, "post-01", 1},
		{"the same address with another User-Agent", func() { beacon("post-01", "Mozilla/5.0 Firefox/133.0") }, "post-01", 1},
		{"another reader", func() { beacon("post-01", iPhoneUA) }, "post-01", 2},
		{"the first reader on another post", func() { beacon("post-02", browserUA) }, "post-02", 1},
		{"a crawler", func() { beacon("post-01", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") }, "post-01", 2},
		{"a link preview", func() { beacon("post-01", "facebookexternalhit/1.1") }, "post-01", 2},
		{"no User-Agent", func() { beacon("post-01", "") }, "post-01", 2},
		{"a prefetch", func() { beacon("post-01", "Mozilla/5.0 Firefox/133.0", "Sec-Purpose", "prefetch") }, "post-01", 2},
		{"a draft", func() { beacon("draft", browserUA) }, "draft", 0},
		{"an unknown post", func() { beacon("nothing-here", browserUA) }, "post-01", 2},
		{"a REST read", func() { a.expect("REST view", 200, "GET", recordsURL("posts")+"/"+publishedPost, "", "") }, "hello", 0},
		{"a page view without the script", func() { a.expect("page", 200, "GET", "/blog/post-01", "", "", "Views: 2") }, "post-01", 2},
	}
	for _, s := range steps {
		s.do()
		if got := viewsOf(t, app, s.post); got != s.wantViews {
			t.Fatalf("after %s, %s has %d views, want %d", s.what, s.post, got, s.wantViews)
		}
	}
	a.expect("the list", 200, "GET", "/blog", "", "", "Views: 2", "Views: 1")

	// the next day's job forgets the readers of the days before
	if _, err := app.DB().NewQuery("UPDATE _postrider_post_views SET day = '2000-01-01'").Execute(); err != nil {
		t.Fatal(err)
	}
	for _, j := range app.Cron().Jobs() {
		if j.Id() == "postriderPruneViews" {
			j.Run()
		}
	}
	var left int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM _postrider_post_views").Row(&left); err != nil || left != 0 {
		t.Fatalf("%d readers of past days are kept (%v)", left, err)
	}
	beacon("post-01", browserUA) // a new day, the same reader
	if got := viewsOf(t, app, "post-01"); got != 3 {
		t.Fatalf("a reader of a new day made %d views, want 3", got)
	}
}

const iPhoneUA = "Mozilla/5.0 (iPhone) Safari/604.1"

// A flood of beacons from one address, each with a new User-Agent, adds
// one reader and one row, and past the rate limit it is refused; another
// address is not held back.
func TestABeaconFloodFromOneAddressIsOneReader(t *testing.T) {
	app := newBlogApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	beacon := func(ip string, i int) int {
		req := httptest.NewRequest(http.MethodPost, "/blog/post-01/view", nil)
		req.Header.Set("User-Agent", fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", i, i))
		req.RemoteAddr = ip + ":40000"
		status, _ := a.serve(req)
		return status
	}
	rows := func() int {
		var n int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM _postrider_post_views").Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	refused := 0
	for i := range 2000 {
		switch status := beacon("198.51.100.7", i); status {
		case http.StatusNoContent:
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("beacon %d answered %d", i, status)
		}
	}
	if n, views := rows(), viewsOf(t, app, "post-01"); n != 1 || views != 1 {
		t.Fatalf("2,000 beacons from one address made %d rows and %d views, want 1 and 1", n, views)
	}
	if refused != 2000-30 {
		t.Fatalf("%d of 2,000 beacons from one address were refused, want all past the 30th", refused)
	}
	if status := beacon("198.51.100.8", 1); status != http.StatusNoContent || viewsOf(t, app, "post-01") != 2 {
		t.Fatalf("a reader at another address: %d, %d views, want 204 and 2", status, viewsOf(t, app, "post-01"))
	}
}

// atomFeed is what a feed reader reads of an Atom feed.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		Title     string `xml:"title"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Summary   string `xml:"summary"`
		Links     []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// The feed is Atom a reader can parse: published posts only, newest first,
// absolute links, sanitized HTML.
func TestBlogFeedIsAtom(t *testing.T) {
	app := newBlogApp(t)
	defer app.Cleanup()
	req := httptest.NewRequest(http.MethodGet, "/blog/feed.xml", nil)
	rec := httptest.NewRecorder()
	newAPI(t, app).mux.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("the feed: %d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatalf("the feed is no XML: %v\n%s", err, rec.Body)
	}
	if feed.Title != "Postrider blog" || feed.ID != blogURL+"/blog/feed.xml" {
		t.Fatalf("the feed's title %q, id %q", feed.Title, feed.ID)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Fatalf("the feed's updated %q: %v", feed.Updated, err)
	}
	links := map[string]string{}
	for _, l := range feed.Links {
		links[l.Rel] = l.Href
	}
	if links["self"] != blogURL+"/blog/feed.xml" || links["alternate"] != blogURL+"/blog" {
		t.Fatalf("the feed's links: %v", links)
	}
	var titles []string
	for _, e := range feed.Entries {
		titles = append(titles, e.Title)
		page := blogURL + "/blog/" + strings.ToLower(strings.ReplaceAll(e.Title, " ", "-"))
		for _, l := range e.Links {
			if l.Rel == "alternate" && l.Href != page || !strings.HasPrefix(l.Href, blogURL+"/") {
				t.Errorf("entry %q links to %q (%s), want absolute links, the page's %s", e.Title, l.Href, l.Rel, page)
			}
		}
		if e.ID != page || len(e.Links) == 0 {
			t.Errorf("entry %q: id %q, %d links", e.Title, e.ID, len(e.Links))
		}
		for _, at := range []string{e.Published, e.Updated} {
			if _, err := time.Parse(time.RFC3339, at); err != nil {
				t.Errorf("entry %q: a date %q: %v", e.Title, at, err)
			}
		}
		if e.Content.Type != "html" || e.Summary == "" {
			t.Errorf("entry %q: content type %q, summary %q", e.Title, e.Content.Type, e.Summary)
		}
		for _, bad := range []string{"alert(", "onerror", "javascript:", "iframe"} {
			if strings.Contains(e.Content.Body, bad) {
				t.Errorf("entry %q carries %q: %s", e.Title, bad, e.Content.Body)
			}
		}
	}
	if len(titles) != 13 || titles[0] != "Hello" || titles[1] != "Evil" || titles[12] != "Post 11" || slices.Contains(titles, "Draft") {
		t.Fatalf("the feed's entries: %q", titles)
	}
}

// The home page's three posts: random, distinct, published, each with what
// its card shows.
func TestRandomPostsForTheHomePage(t *testing.T) {
	app := newBlogApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	type item struct {
		Title, Slug, Excerpt, Image string
		PublishedAt                 time.Time `json:"published_at"`
	}
	seen := map[string]bool{}
	for range 30 {
		var out struct{ Items []item }
		if err := json.Unmarshal([]byte(a.expect("random posts", 200, "GET", "/api/postrider/posts/random", "", "")), &out); err != nil {
			t.Fatal(err)
		}
		slugs := map[string]bool{}
		for _, p := range out.Items {
			slugs[p.Slug] = true
			seen[p.Slug] = true
			if p.Slug == "draft" || p.Title == "" || p.Excerpt == "" || p.PublishedAt.IsZero() {
				t.Fatalf("a home page post: %+v", p)
			}
			if p.Slug == "evil" && !strings.HasPrefix(p.Image, "/api/files/posts/") {
				t.Fatalf("the cover of a home page post is %q", p.Image)
			}
			if strings.Contains(p.Excerpt, "alert") {
				t.Fatalf("an excerpt carries the script: %q", p.Excerpt)
			}
		}
		if len(out.Items) != 3 || len(slugs) != 3 {
			t.Fatalf("the home page got %d posts, %d distinct: %+v", len(out.Items), len(slugs), out.Items)
		}
	}
	if len(seen) < 6 {
		t.Fatalf("30 draws showed only %d of the 13 posts: %v", len(seen), seen)
	}

	// fewer than three published: all of them
	if _, err := app.DB().NewQuery("UPDATE posts SET published = 0 WHERE slug NOT IN ('hello', 'evil')").Execute(); err != nil {
		t.Fatal(err)
	}
	var out struct{ Items []item }
	json.Unmarshal([]byte(a.expect("two posts", 200, "GET", "/api/postrider/posts/random", "", "")), &out)
	if len(out.Items) != 2 {
		t.Fatalf("with two published posts the home page got %+v", out.Items)
	}
}

// A missing or broken template answers 500 and says why in the log,
// rather than a blank page.
func TestBlogWithoutTemplates(t *testing.T) {
	s := tests.ApiScenario{
		Name: "no templates", Method: http.MethodGet, URL: "/blog",
		TestAppFactory: func(t testing.TB) *tests.TestApp {
			app, err := tests.NewTestApp(fixtureDir)
			if err != nil {
				t.Fatal(err)
			}
			hooks.Register(app, config.Config{BlogDir: os.TempDir() + "/no-such-blog-dir"})
			return app
		},
		ExpectedStatus: 500, ExpectedContent: []string{"templates cannot be used"},
	}
	s.Test(t)
}

// /blog's pages and the feed read published posts newest first straight
// from the index: no sort of the table, whatever its size.
func TestBlogReadsTheIndexInOrder(t *testing.T) {
	app := newBlogApp(t)
	defer app.Cleanup()
	s, err := sqlplan.Of(app.DB(), `SELECT id, title FROM posts WHERE published = 1
		ORDER BY published_at DESC, id DESC LIMIT 10 OFFSET 10`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "idx_posts_published") || strings.Contains(s, "TEMP B-TREE") {
		t.Fatalf("the blog's query plan: %s", s)
	}
}
