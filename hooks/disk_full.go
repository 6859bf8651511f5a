package hooks

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// diskFullMessage is what a write on a full disk answers, with 507
// Insufficient Storage: PocketBase's record routes answer any failed save
// with 400, as if the request were wrong, while nothing in it is.
const diskFullMessage = "The server's disk is full, so nothing was saved. Try again once its administrator has made room."

// diskFullAnswer turns every route's error that comes from SQLite's
// "database or disk is full" (SQLITE_FULL) into a 507 that says so.
func diskFullAnswer() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id: "postriderDiskFull",
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			if err != nil && diskFull(err) {
				return e.Error(http.StatusInsufficientStorage, diskFullMessage, nil)
			}
			return err
		},
	}
}

// diskFull tells whether err, or the error an API error wraps, is SQLite's
// SQLITE_FULL (the C library's and the pure-Go one's words).
func diskFull(err error) bool {
	msg := err.Error()
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		if raw, ok := apiErr.RawData().(error); ok {
			msg += " " + raw.Error()
		}
	}
	return strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "SQLITE_FULL")
}
