package hooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// The web app gets its words from the binary: each language's file, the
// same words the server's own pages use, kept by the browser and not sent
// again while they have not changed.
func TestWordsAreServedToTheWebApp(t *testing.T) {
	var etag string
	first := tests.ApiScenario{
		Name: "Russian words", Method: http.MethodGet, URL: "/i18n/ru.json", TestAppFactory: newTestApp,
		ExpectedStatus: 200, ExpectedContent: []string{`"nav.home":"Главная"`, `"unsubscribe.confirm":"Отписаться"`, `"blog.title":"Блог"`},
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control %q: a browser would keep old words after an upgrade", cc)
			}
			if etag = res.Header.Get("ETag"); etag == "" {
				t.Error("no ETag: the browser would fetch the words again at every load")
			}
			var words map[string]string
			body, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(body, &words); err != nil || len(words) < 300 {
				t.Errorf("not the words: %d keys, %v", len(words), err)
			}
		},
	}
	first.Test(t)

	for _, s := range []tests.ApiScenario{
		{
			Name: "the same words again, asked with their ETag: nothing sent", Method: http.MethodGet, URL: "/i18n/ru.json",
			Headers: map[string]string{"If-None-Match": etag}, TestAppFactory: newTestApp, ExpectedStatus: 304,
			NotExpectedContent: []string{"Главная"},
		},
		{
			Name: "English words", Method: http.MethodGet, URL: "/i18n/en.json", TestAppFactory: newTestApp,
			Headers: map[string]string{"If-None-Match": etag}, ExpectedStatus: 200, ExpectedContent: []string{`"nav.home":"Home"`},
		},
		{
			Name: "a language there are no words of", Method: http.MethodGet, URL: "/i18n/de.json", TestAppFactory: newTestApp,
			ExpectedStatus: 404, NotExpectedContent: []string{"nav.home"},
		},
		{
			Name: "a language without .json", Method: http.MethodGet, URL: "/i18n/ru", TestAppFactory: newTestApp,
			ExpectedStatus: 404, NotExpectedContent: []string{"nav.home"},
		},
		{
			Name: "a path out of the folder", Method: http.MethodGet, URL: "/i18n/..%2fen.json", TestAppFactory: newTestApp,
			ExpectedStatus: 404, NotExpectedContent: []string{"nav.home"},
		},
	} {
		s.Test(t)
	}
}
