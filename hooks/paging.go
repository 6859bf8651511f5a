package hooks

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// page is a list answer, shaped as PocketBase's own lists.
type page[T any] struct {
	Page       int `json:"page"`
	PerPage    int `json:"perPage"`
	TotalItems int `json:"totalItems"`
	TotalPages int `json:"totalPages"`
	Items      []T `json:"items"`
}

const (
	defaultPerPage = 30
	maxPerPage     = 500
)

// paging reads page (from 1) and perPage (1..500) from the query.
func paging(e *core.RequestEvent) (pageNo, perPage int, err error) {
	q := e.Request.URL.Query()
	read := func(name string, def, max int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > max {
			msg := "Use a whole number from 1 to " + strconv.Itoa(max) + "."
			return 0, e.BadRequestError("Invalid "+name+".", fieldError(name, "validation_invalid_number", msg))
		}
		return n, nil
	}
	if pageNo, err = read("page", 1, math.MaxInt32); err != nil {
		return
	}
	perPage, err = read("perPage", defaultPerPage, maxPerPage)
	return
}

// orderBy turns sort (a key of columns, "-" first for descending) into an
// ORDER BY, with the tie-breakers after it; "" takes def.
func orderBy(e *core.RequestEvent, columns map[string]string, def string, tieBreakers string) (string, error) {
	sort := e.Request.URL.Query().Get("sort")
	if sort == "" {
		sort = def
	}
	key, dir := strings.TrimPrefix(sort, "-"), " ASC"
	if strings.HasPrefix(sort, "-") {
		dir = " DESC"
	}
	col, ok := columns[key]
	if !ok {
		msg := "Sort by one of: " + strings.Join(sortedKeys(columns), ", ") + " (a leading - for descending)."
		return "", e.BadRequestError("Invalid sort.", fieldError("sort", "validation_invalid_sort", msg))
	}
	return col + dir + ", " + tieBreakers, nil
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// likeParam is s for a LIKE pattern that finds it anywhere (with ESCAPE '\').
func likeParam(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func totalPages(total, perPage int) int {
	return (total + perPage - 1) / perPage
}
