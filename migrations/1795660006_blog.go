package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What the public blog needs (hooks/blog*.go):
//   - posts.excerpt: the line under a post's title in lists, link previews
//     and the feed (the start of the text when empty);
//   - published posts newest first from one index, the id breaking ties,
//     so that /blog's pages and the feed need no sort step;
//   - _postrider_post_views: who read which post on which day, as a hash
//     of the reader (never the address itself), so that a reader counts
//     once a day. Inserting a row adds one to posts.views through the
//     trigger: the count and the check are one statement. Rows older
//     than a day are pruned by a daily job;
//   - _postrider_view_salt: the random key of that hash, kept so that a
//     restart does not count the day's readers again.
func init() {
	m.Register(func(app core.App) error {
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.Fields.AddAt(3, &core.TextField{Name: "excerpt", Max: 500})
		posts.RemoveIndex("idx_posts_published")
		posts.AddIndex("idx_posts_published", false, "published, published_at, id", "")
		if err := app.Save(posts); err != nil {
			return err
		}
		for _, sql := range []string{
			`CREATE TABLE IF NOT EXISTS _postrider_post_views (
				post TEXT NOT NULL, visitor TEXT NOT NULL, day TEXT NOT NULL,
				PRIMARY KEY (post, visitor, day)) WITHOUT ROWID`,
			`CREATE INDEX IF NOT EXISTS _postrider_post_views_day ON _postrider_post_views (day)`,
			`CREATE TRIGGER IF NOT EXISTS _postrider_post_viewed AFTER INSERT ON _postrider_post_views
				BEGIN UPDATE posts SET views = views + 1 WHERE id = NEW.post; END`,
			`CREATE TABLE IF NOT EXISTS _postrider_view_salt (salt BLOB NOT NULL)`,
			`INSERT INTO _postrider_view_salt (salt) SELECT randomblob(32) WHERE NOT EXISTS (SELECT 1 FROM _postrider_view_salt)`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, sql := range []string{
			`DROP TRIGGER IF EXISTS _postrider_post_viewed`,
			`DROP TABLE IF EXISTS _postrider_post_views`,
			`DROP TABLE IF EXISTS _postrider_view_salt`,
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		posts, err := app.FindCollectionByNameOrId("posts")
		if err != nil {
			return err
		}
		posts.Fields.RemoveByName("excerpt")
		posts.RemoveIndex("idx_posts_published")
		posts.AddIndex("idx_posts_published", false, "published, published_at", "")
		return app.Save(posts)
	})
}
