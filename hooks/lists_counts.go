package hooks

import (
	"context"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// listCountsRoute is the lists page's counts in one request, of the
// caller's own clients only (a custom route passes no API rule, so the
// owner condition is written here); before it, the page counted each list
// with a request that unpacked every client's lists.
func listCountsRoute(e *core.RequestEvent) error {
	counts, err := listCounts(e.Request.Context(), e.App, e.Auth.Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, counts)
}

// listCounts is how many clients each of owner's lists holds, by list id
// (a list without clients is missing): the groups of the owner's clients
// by their lists, a few rows of the counts that triggers keep (migration
// 1795660054), each counted in every list it names.
func listCounts(ctx context.Context, app core.App, owner string) (map[string]int, error) {
	var groups []struct {
		Lists types.JSONArray[string] `db:"lists"`
		N     int                     `db:"n"`
	}
	err := app.DB().NewQuery(`
		SELECT [[lists]], SUM([[n]]) AS n FROM _postrider_client_groups
		WHERE [[owner]] = {:owner} AND [[lists]] != '[]' GROUP BY [[lists]]`).
		Bind(map[string]any{"owner": owner}).WithContext(ctx).All(&groups)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, g := range groups {
		seen := map[string]bool{}
		for _, l := range g.Lists {
			if !seen[l] {
				seen[l] = true
				counts[l] += g.N
			}
		}
	}
	return counts, nil
}
