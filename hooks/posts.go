package hooks

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// postPolicy is what a post's HTML may hold on a page: the formatting,
// links, images and tables of user-generated content, never a script, an
// event handler, a javascript: link, an iframe or a form.
var postPolicy = bluemonday.UGCPolicy()

// textPolicy keeps nothing but the text, for excerpts.
var textPolicy = bluemonday.StrictPolicy()

// safeHTML is a post's body as it may reach a page.
func safeHTML(body string) string {
	return postPolicy.Sanitize(body)
}

var spaces = regexp.MustCompile(`\s+`)

// excerptMax is the length of an excerpt made from a post's text.
const excerptMax = 200

// excerptOf is the post's excerpt, or the start of its text when it has none.
func excerptOf(excerpt, body string) string {
	if s := strings.TrimSpace(excerpt); s != "" {
		return s
	}
	// block ends become spaces, so that paragraphs do not run together
	text := textPolicy.Sanitize(strings.NewReplacer("</", " </", "<br", " <br").Replace(body))
	text = strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(text), " "))
	if utf8.RuneCountInString(text) <= excerptMax {
		return text
	}
	cut := string([]rune(text)[:excerptMax])
	if i := strings.LastIndex(cut, " "); i > excerptMax/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:—-") + "…"
}

func bindPosts(app core.App) {
	// superusers write posts in the dashboard; everyone else reads their
	// HTML through the API sanitized, as the blog's pages show it
	app.OnRecordEnrich("posts").BindFunc(func(e *core.RecordEnrichEvent) error {
		if e.RequestInfo == nil || !e.RequestInfo.HasSuperuserAuth() {
			e.Record.Set("body", safeHTML(e.Record.GetString("body")))
		}
		return e.Next()
	})

	// a post published without a date is published now: the blog and the
	// feed order posts by that date
	app.OnRecordValidate("posts").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetBool("published") && e.Record.GetDateTime("published_at").IsZero() {
			e.Record.Set("published_at", types.NowDateTime())
		}
		return e.Next()
	})
}
