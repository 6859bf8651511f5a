package hooks

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// blogPost is a published post as the blog shows it.
type blogPost struct {
	Id          string         `db:"id"`
	Title       string         `db:"title"`
	Slug        string         `db:"slug"`
	RawExcerpt  string         `db:"excerpt"`
	RawBody     string         `db:"body"`
	Image       string         `db:"image"`
	PublishedAt types.DateTime `db:"published_at"`
	Updated     types.DateTime `db:"updated"`
	Views       int            `db:"views"`
}

// publishedOnly is the condition of every public query: drafts are never
// shown, linked or counted. It matches the index idx_posts_published.
const publishedOnly = "[[published]] = 1"

// newestFirst is the blog's order, served by idx_posts_published.
const newestFirst = "[[published_at]] DESC, [[id]] DESC"

func postsQuery(app core.App) *dbx.SelectQuery {
	return app.DB().Select("id", "title", "slug", "excerpt", "body", "image", "published_at", "updated", "views").
		From("posts").Where(dbx.NewExp(publishedOnly))
}

// newestPosts is a page of published posts, newest first.
func newestPosts(app core.App, limit, offset int) ([]blogPost, error) {
	var posts []blogPost
	err := postsQuery(app).OrderBy(newestFirst).Limit(int64(limit)).Offset(int64(offset)).All(&posts)
	return posts, err
}

func countPublished(app core.App) (int, error) {
	var n int
	err := app.DB().Select("COUNT(*)").From("posts").Where(dbx.NewExp(publishedOnly)).Row(&n)
	return n, err
}

// publishedBySlug is the published post at slug; sql.ErrNoRows for a draft
// or an unknown slug.
func publishedBySlug(app core.App, slug string) (blogPost, error) {
	var p blogPost
	err := postsQuery(app).AndWhere(dbx.HashExp{"slug": slug}).One(&p)
	return p, err
}

// randomPosts picks n distinct published posts at random: n random
// offsets into the index, each read with LIMIT 1, rather than sorting the
// whole table by RANDOM() on every request.
func randomPosts(app core.App, n int) ([]blogPost, error) {
	total, err := countPublished(app)
	if err != nil {
		return nil, err
	}
	offsets := map[int]bool{}
	for len(offsets) < min(n, total) {
		offsets[rand.IntN(total)] = true
	}
	posts := make([]blogPost, 0, len(offsets))
	for offset := range offsets { // a map's order is random too
		var p blogPost
		if err := postsQuery(app).OrderBy(newestFirst).Limit(1).Offset(int64(offset)).One(&p); err != nil {
			return nil, err // a post unpublished meanwhile: the caller may try again
		}
		posts = append(posts, p)
	}
	return posts, nil
}

// Excerpt is the post's excerpt, or the start of its text.
func (p blogPost) Excerpt() string { return excerptOf(p.RawExcerpt, p.RawBody) }

// Published is when the post was published.
func (p blogPost) Published() time.Time { return p.PublishedAt.Time() }

// ImagePath is the cover's address on this server ("" without a cover);
// thumb names one of the sizes the posts collection makes (640x360).
func (p blogPost) ImagePath(thumb string) string {
	if p.Image == "" {
		return ""
	}
	path := "/api/files/posts/" + p.Id + "/" + p.Image
	if thumb != "" {
		path += "?thumb=" + thumb
	}
	return path
}

// appURL is the address the service is reached at, for absolute links.
func appURL(app core.App) string {
	return strings.TrimRight(app.Settings().Meta.AppURL, "/")
}
