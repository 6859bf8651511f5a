package hooks

import (
	"bytes"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/language"

	"postrider/internal/words"
)

// The public blog, rendered on the server so that crawlers and link
// previews read titles, descriptions and Open Graph tags without
// JavaScript. The pages' templates are files in the blog directory
// (pb_hooks/blog/), read at every request: an operator edits them without
// a rebuild or a restart. Their words are the service's (internal/words).
//
//	GET  /blog              published posts, newest first, ?page=2…
//	GET  /blog/{slug}       one post (a draft or an unknown slug: 404)
//	GET  /blog/feed.xml     Atom feed of the newest posts
//	POST /blog/{slug}/view  the post page's beacon that counts a read
//	GET  /api/postrider/posts/random  three random posts for the home page

const (
	postsPerPage = 10
	feedSize     = 20
	homePosts    = 3
	coverThumb   = "640x360"
)

func bindBlog(app core.App, dir string) {
	// the blog's routes are in routes.go; a missing blog directory is said
	// once at start rather than as a 500 at the first reader
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if _, err := os.Stat(filepath.Join(dir, "layout.html")); err != nil {
			se.App.Logger().Error("The blog's templates are missing: /blog answers 500 until they are there", slog.String("dir", dir), slog.String("error", err.Error()))
		}
		return se.Next()
	})

	// a read counts once a day: older days' rows only take room
	app.Cron().MustAdd("postriderPruneViews", "7 0 * * *", func() { pruneViews(app) })
}

type blog struct{ dir string }

// blogPage is what the templates get.
type blogPage struct {
	Lang        string
	Languages   []langOption
	Site        string // the app's name
	Title       string // the page's own title (og:title)
	FullTitle   string // <title>
	Description string
	Canonical   string // absolute
	Image       string // absolute, or ""
	OGType      string
	Feed        string // absolute
	Blog        string // absolute address of /blog
	Posts       []blogPost
	Post        *blogPost
	Body        htmltemplate.HTML // the post's sanitized HTML
	PageNo      int
	Pages       int
	Newer       string
	Older       string
	Updated     time.Time // the feed's
}

type langOption struct {
	Code, Name string
	Selected   bool
}

var blogLanguages = []language.Tag{language.English, language.Russian}
var langMatcher = language.NewMatcher(blogLanguages)

// pageLang is the reader's language: ?lang= (the switch without
// JavaScript), the web app's choice (the lang cookie), or the browser's.
func pageLang(e *core.RequestEvent) string {
	if l := e.Request.URL.Query().Get("lang"); l == "en" || l == "ru" {
		e.SetCookie(&http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := e.Request.Cookie("lang"); err == nil && (c.Value == "en" || c.Value == "ru") {
		return c.Value
	}
	tags, _, _ := language.ParseAcceptLanguage(e.Request.Header.Get("Accept-Language"))
	_, i, _ := langMatcher.Match(tags...)
	base, _ := blogLanguages[i].Base()
	return base.String()
}

// wordsIn are the words in lang, for the templates' t and the pages'
// titles (internal/words: blog.*, nav.*, lang.*, date.*).
func wordsIn(lang string) func(key string, vars ...any) string {
	return func(key string, vars ...any) string { return words.T(lang, key, vars...) }
}

// funcs are what the templates may call: t (words), date, iso (RFC 3339),
// and image (a cover's absolute address).
func (b blog) funcs(e *core.RequestEvent, lang string) map[string]any {
	t := wordsIn(lang)
	base := appURL(e.App)
	return map[string]any{
		"t":   t,
		"iso": func(at time.Time) string { return at.UTC().Format(time.RFC3339) },
		"date": func(at time.Time) string {
			months := strings.Split(t("date.months"), ",")
			month := at.Month().String()
			if len(months) == 12 {
				month = strings.TrimSpace(months[at.Month()-1])
			}
			return t("date.format", "day", at.Day(), "month", month, "year", at.Year())
		},
		"image": func(p blogPost, thumb string) string {
			if path := p.ImagePath(thumb); path != "" {
				return base + path
			}
			return ""
		},
	}
}

// render writes the page template name (its file name.html, inside
// layout.html) with status.
func (b blog) render(e *core.RequestEvent, status int, name string, p blogPage) error {
	funcs := b.funcs(e, p.Lang)
	t := wordsIn(p.Lang)
	base := appURL(e.App)
	p.Site = t("app.name")
	p.Feed = base + "/blog/feed.xml"
	p.Blog = base + "/blog"
	for _, tag := range blogLanguages {
		code := tag.String()
		p.Languages = append(p.Languages, langOption{Code: code, Name: t("lang." + code), Selected: code == p.Lang})
	}
	if p.FullTitle == "" {
		p.FullTitle = p.Title + " — " + p.Site
	}
	tmpl, err := htmltemplate.New("layout.html").Funcs(funcs).
		ParseFiles(filepath.Join(b.dir, "layout.html"), filepath.Join(b.dir, name+".html"))
	if err != nil {
		return b.broken(e, err)
	}
	var out bytes.Buffer
	if err := tmpl.ExecuteTemplate(&out, "layout", p); err != nil {
		return b.broken(e, err)
	}
	e.Response.Header().Set("Vary", "Accept-Language, Cookie")
	return e.HTML(status, out.String())
}

// broken answers 500 for a template that cannot be read or run, and logs why.
func (b blog) broken(e *core.RequestEvent, err error) error {
	e.App.Logger().Error("A blog template failed", slog.String("dir", b.dir), slog.String("error", err.Error()))
	return e.InternalServerError("The blog's templates cannot be used; the server's log says why.", nil)
}

func (b blog) notFound(e *core.RequestEvent, lang string) error {
	t := wordsIn(lang)
	return b.render(e, http.StatusNotFound, "notfound", blogPage{
		Lang: lang, Title: t("blog.notFound"), Description: t("blog.notFoundText"),
		Canonical: appURL(e.App) + "/blog", OGType: "website",
	})
}

func (b blog) list(e *core.RequestEvent) error {
	lang := pageLang(e)
	t := wordsIn(lang)
	n := 1
	if v := e.Request.URL.Query().Get("page"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return b.notFound(e, lang)
		}
	}
	total, err := countPublished(e.App)
	if err != nil {
		return err
	}
	pages := max(1, (total+postsPerPage-1)/postsPerPage)
	if n > pages {
		return b.notFound(e, lang)
	}
	posts, err := newestPosts(e.App, postsPerPage, (n-1)*postsPerPage)
	if err != nil {
		return err
	}
	p := blogPage{
		Lang: lang, Title: t("blog.title"), Description: t("blog.description"), OGType: "website",
		Canonical: pageURL(appURL(e.App), n), Posts: posts, PageNo: n, Pages: pages,
	}
	if n > 1 {
		p.Title = t("blog.titlePage", "n", n)
		p.Newer = pageURL("", n-1)
	}
	if n < pages {
		p.Older = pageURL("", n+1)
	}
	if len(posts) > 0 && posts[0].Image != "" {
		p.Image = appURL(e.App) + posts[0].ImagePath("")
	}
	return b.render(e, http.StatusOK, "list", p)
}

// pageURL is the address of the blog's page n, after base.
func pageURL(base string, n int) string {
	if n == 1 {
		return base + "/blog"
	}
	return base + "/blog?page=" + strconv.Itoa(n)
}

func (b blog) post(e *core.RequestEvent) error {
	lang := pageLang(e)
	post, err := publishedBySlug(e.App, e.Request.PathValue("slug"))
	if errors.Is(err, sql.ErrNoRows) {
		return b.notFound(e, lang)
	}
	if err != nil {
		return err
	}
	base := appURL(e.App)
	p := blogPage{
		Lang: lang, Title: post.Title, Description: post.Excerpt(), OGType: "article",
		Canonical: base + "/blog/" + post.Slug, Post: &post, Body: htmltemplate.HTML(safeHTML(post.RawBody)),
	}
	if post.Image != "" {
		p.Image = base + post.ImagePath("")
	}
	return b.render(e, http.StatusOK, "post", p)
}

// feed is the Atom feed of the newest posts: feed.xml, a text template
// whose values pass through x (XML escaping) and post bodies through
// safe (the sanitizer); links are absolute.
func (b blog) feed(e *core.RequestEvent) error {
	lang := pageLang(e)
	funcs := b.funcs(e, lang)
	funcs["x"] = xmlEscape
	funcs["safe"] = safeHTML
	posts, err := newestPosts(e.App, feedSize, 0)
	if err != nil {
		return err
	}
	base := appURL(e.App)
	p := blogPage{Lang: lang, Posts: posts, Canonical: base + "/blog/feed.xml", Blog: base + "/blog", Feed: base + "/blog/feed.xml"}
	p.Site = words.T(lang, "app.name")
	for _, post := range posts {
		if post.Updated.Time().After(p.Updated) {
			p.Updated = post.Updated.Time()
		}
	}
	if p.Updated.IsZero() {
		p.Updated = time.Unix(0, 0)
	}
	tmpl, err := texttemplate.New("feed.xml").Funcs(funcs).ParseFiles(filepath.Join(b.dir, "feed.xml"))
	if err != nil {
		return b.broken(e, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, p); err != nil {
		return b.broken(e, err)
	}
	return e.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", out.Bytes())
}

func xmlEscape(v any) string {
	var out strings.Builder
	_ = xml.EscapeText(&out, []byte(fmt.Sprint(v)))
	return out.String()
}

// randomPostsRoute: three random published posts for the home page.
func randomPostsRoute(e *core.RequestEvent) error {
	posts, err := randomPosts(e.App, homePosts)
	if errors.Is(err, sql.ErrNoRows) { // one was unpublished meanwhile
		posts, err = randomPosts(e.App, homePosts)
	}
	if err != nil {
		return err
	}
	type item struct {
		Title       string    `json:"title"`
		Slug        string    `json:"slug"`
		Excerpt     string    `json:"excerpt"`
		Image       string    `json:"image"`
		PublishedAt time.Time `json:"published_at"`
	}
	items := make([]item, len(posts))
	for i, p := range posts {
		items[i] = item{p.Title, p.Slug, p.Excerpt(), p.ImagePath(coverThumb), p.Published()}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}
