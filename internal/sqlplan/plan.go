// Package sqlplan reads SQLite's plan of a query (EXPLAIN QUERY PLAN), for
// the tests that hold a page's or a pass's query to its index.
package sqlplan

import (
	"strings"

	"github.com/pocketbase/dbx"
)

// Of returns the steps of query's plan joined by "; ", as SQLite words
// them ("SEARCH d USING INDEX idx_deliveries_pending (run=?)", "USE TEMP
// B-TREE FOR ORDER BY").
func Of(db dbx.Builder, query string, params dbx.Params) (string, error) {
	var steps []struct {
		Detail string `db:"detail"`
	}
	if err := db.NewQuery("EXPLAIN QUERY PLAN " + query).Bind(params).All(&steps); err != nil {
		return "", err
	}
	details := make([]string, len(steps))
	for i, s := range steps {
		details[i] = s.Detail
	}
	return strings.Join(details, "; "), nil
}
