package hooks

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/words"
)

// serveWords serves the web app its words (pb_public/js/i18n.js): GET
// /i18n/{lang}.json, the file the binary carries (internal/words), which
// the server's own pages and mails read too. The browser keeps it and asks
// again at each load (no-cache), answered 304 until the binary changes.
func serveWords(e *core.RequestEvent) error {
	lang, ok := strings.CutSuffix(e.Request.PathValue("file"), ".json")
	raw, etag := words.File(lang)
	if !ok || raw == nil {
		return e.NotFoundError("", nil)
	}
	e.Response.Header().Set("Cache-Control", "no-cache")
	e.Response.Header().Set("ETag", etag)
	// ServeContent answers If-None-Match, HEAD and ranges
	http.ServeContent(e.Response, e.Request, "words.json", time.Time{}, bytes.NewReader(raw))
	return nil
}
