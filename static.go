package main

import (
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// webApp serves the web app's files from publicDir, with index.html for
// the web app's own paths (it routes them in the browser). A path under
// /api/ that no route took is an API call gone wrong, not a page: it
// answers PocketBase's 404 JSON, as it does for every other method.
func webApp(publicDir string) func(*core.RequestEvent) error {
	static := apis.Static(os.DirFS(publicDir), true)
	return func(e *core.RequestEvent) error {
		if p := e.Request.URL.Path; p == "/api" || strings.HasPrefix(p, "/api/") {
			return e.NotFoundError("", nil)
		}
		return static(e)
	}
}
