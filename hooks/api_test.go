package hooks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// api serves app's REST API in-process for tests that take several steps
// against one database (an ApiScenario builds a fresh router each time,
// which PocketBase refuses to do twice on one app).
type api struct {
	t   testing.TB
	mux http.Handler
}

func newAPI(t testing.TB, app *tests.TestApp) *api {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		a.mux = mux
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serve sends a prepared request (with its own headers) and returns the status and the body.
func (a *api) serve(req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// httptestRequest is a POST to the import route with a multipart body.
func httptestRequest(body io.Reader, contentType string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/postrider/clients/import", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", tokens["alice"])
	return req
}

// do sends one request and returns the status and the body; token may be "".
func (a *api) do(method, url, token, body string) (int, string) {
	a.t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// expect is do that fails the test unless the status is want and the body
// holds every one of contains.
func (a *api) expect(step string, want int, method, url, token, body string, contains ...string) string {
	a.t.Helper()
	got, out := a.do(method, url, token, body)
	if got != want {
		a.t.Fatalf("%s: status %d, want %d: %s", step, got, want, out)
	}
	for _, c := range contains {
		if !strings.Contains(out, c) {
			a.t.Fatalf("%s: %q not in %s", step, c, out)
		}
	}
	return out
}
