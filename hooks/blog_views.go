package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A post's views count its readers: once per reader, post and day (UTC).
// The post's page sends a beacon from a line of script (crawlers and link
// previews run none); the reader is a hash of a secret salt, the day and
// the address, so a reload adds nothing and no address is stored. The
// User-Agent is not part of it: a client chooses it freely, and one that
// changed it every request was a new reader, and a new row, each time
// (readers behind one address, an office's, count as one). The beacon is
// rate-limited per address (migrations/1795660014_blog_view_limit.go).
// See migrations/1795660006_blog.go for the table and its trigger.

// bots are User-Agents of programs that may run the beacon anyway
// (crawlers with a browser engine, link previews, scripts).
var bots = regexp.MustCompile(`(?i)bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|vkshare|curl|wget|python|go-http-client|okhttp|java/|libwww|httpclient|axios|node-fetch|lighthouse|pagespeed`)

// countView is the beacon of a post's page: 204 whatever happened, as a
// reader has nothing to do about it.
func countView(e *core.RequestEvent) error {
	ua := e.Request.UserAgent()
	prefetch := e.Request.Header.Get("Sec-Purpose") != "" || e.Request.Header.Get("Purpose") == "prefetch"
	if ua == "" || bots.MatchString(ua) || prefetch {
		return e.NoContent(http.StatusNoContent)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	// one statement: the row is new only for a first read today, and only
	// its insert (never an ignored one) fires the trigger that adds the view;
	// a draft or an unknown slug selects nothing
	_, err := e.App.NonconcurrentDB().NewQuery(`INSERT OR IGNORE INTO _postrider_post_views (post, visitor, day)
		SELECT [[id]], {:visitor}, {:day} FROM {{posts}} WHERE [[slug]] = {:slug} AND ` + publishedOnly).
		Bind(dbx.Params{"visitor": visitorHash(e.App, day, e.RealIP()), "day": day, "slug": e.Request.PathValue("slug")}).
		Execute()
	if err != nil {
		e.App.Logger().Warn("Failed to count a post view", slog.String("slug", e.Request.PathValue("slug")), slog.String("error", err.Error()))
	}
	return e.NoContent(http.StatusNoContent)
}

// visitorHash names a reader for one day without keeping who they are.
func visitorHash(app core.App, day, ip string) string {
	salt, _ := app.Store().GetOrSet("postrider.viewSalt", func() any {
		var salt []byte
		if err := app.DB().NewQuery("SELECT salt FROM _postrider_view_salt LIMIT 1").Row(&salt); err != nil {
			app.Logger().Warn("No salt for the view counter's hashes", slog.String("error", err.Error()))
		}
		return salt
	}).([]byte)
	h := sha256.New()
	for _, part := range [][]byte{salt, []byte(day), []byte(ip)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// pruneViews forgets the readers of the days before today.
func pruneViews(app core.App) {
	_, err := app.NonconcurrentDB().NewQuery("DELETE FROM _postrider_post_views WHERE [[day]] < {:today}").
		Bind(dbx.Params{"today": time.Now().UTC().Format(time.DateOnly)}).Execute()
	if err != nil {
		app.Logger().Warn("Failed to prune the view counter's old days", slog.String("error", err.Error()))
	}
}
