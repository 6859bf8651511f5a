package hooks_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"postrider/hooks"
)

// Every route of the table refuses whom its access leaves out, before its
// handler reads anything, and only the public pages are open: a visitor
// gets 401, a superuser's token on a
// user's route 403 (a superuser has no clients nor mailings of their own),
// a plain user's on a moderator's route 403.
func TestEveryRouteRefusesWhomItsAccessLeavesOut(t *testing.T) {
	refused := map[string][]struct {
		who    string
		status int
	}{
		"users":      {{anonymous, 401}, {"superuser", 403}},
		"moderators": {{anonymous, 401}, {"alice", 403}},
		"inbound":    {{anonymous, 401}, {"alice", 403}, {"mod", 403}},
	}
	access := hooks.RouteAccess()
	params := strings.NewReplacer("{id}", aliceMailing, "{token}", "x", "{slug}", "x")
	tested := 0
	for _, key := range slices.Sorted(maps.Keys(access)) {
		method, path, _ := strings.Cut(key, " ")
		if access[key] == "anyone" {
			// only the blog, the home page's posts, the web app's words,
			// the unsubscribe link and a sender's confirmation link are
			// public (their own tests call them as visitors)
			if !strings.HasPrefix(path, "/blog") && !strings.HasPrefix(path, "/unsubscribe/") && !strings.HasPrefix(path, "/senders/confirm/") &&
				path != "/api/postrider/posts/random" && path != "/i18n/{file}" {
				t.Errorf("%s is open to anyone", key)
			}
			continue
		}
		for _, r := range refused[access[key]] {
			s := tests.ApiScenario{
				Name:   fmt.Sprintf("%s (%s) refuses %s", key, access[key], r.who),
				Method: method, URL: params.Replace(path), TestAppFactory: newTestApp,
				ExpectedStatus: r.status, ExpectedContent: []string{fmt.Sprintf(`"status":%d`, r.status)},
				NotExpectedContent: []string{aliceMailing, `"items"`},
			}
			if r.who != anonymous {
				s.Headers = map[string]string{"Authorization": tokens[r.who]}
			}
			s.Test(t)
			tested++
		}
	}
	if tested == 0 {
		t.Fatalf("no route was tested: %v", access)
	}
}
