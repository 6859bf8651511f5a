package hooks

import (
	"bufio"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The CSV downloads of the logs and the clients pages (deliveries_export.go,
// clients_export.go), streamed, of the caller's own rows only (a custom
// route passes no API rule, so the owner condition is written here); the
// web app fetches them with its token in the header and offers the file
// once whole (ui.js downloadExport). Before them, the page fetched the log
// 500 rows a request by OFFSET: 2,001 requests for a million rows, each
// sorting.

// exportBatch is how many rows one query of an export reads: the answer
// streams batch after batch, each found by cursor (the last row's sort
// key), so memory stays one batch whatever the size of the log.
const exportBatch = 2000

// csvWriter writes the cells of a spreadsheet-safe CSV as the web app's
// downloadCSV does (pb_public/js/ui.js): a byte-order mark first, so that
// Excel reads UTF-8 (Cyrillic turns to mojibake without it); every cell quoted, quotes doubled; a cell that would
// run as a formula (=, +, -, @) gets a leading apostrophe, so that a client
// named "=HYPERLINK(…)" stays text; CRLF line ends.
type csvWriter struct{ w *bufio.Writer }

func newCSV(e *core.RequestEvent, filename string) csvWriter {
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	e.Response.WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(e.Response, 64<<10)
	w.WriteString("\ufeff")
	return csvWriter{w}
}

func (c csvWriter) row(cells ...string) {
	for i, s := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			s = "'" + s
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(s, `"`, `""`))
		c.w.WriteByte('"')
	}
	c.w.WriteString("\r\n")
}

// flush sends what is written so far; false when the caller went away.
func (c csvWriter) flush(e *core.RequestEvent) bool {
	if c.w.Flush() != nil {
		return false
	}
	http.NewResponseController(e.Response).Flush()
	return e.Request.Context().Err() == nil
}

// ownNames reads field (a list's name, a mailing's subject) of each of the
// caller's records of collection, by id, for an export to name them.
func ownNames(e *core.RequestEvent, collection, field string) (map[string]string, error) {
	var rows []struct {
		ID    string `db:"id"`
		Label string `db:"label"`
	}
	err := e.App.DB().Select("id", field+" AS label").From(collection).Where(dbx.HashExp{"owner": e.Auth.Id}).
		WithContext(e.Request.Context()).All(&rows)
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Label
	}
	return names, err
}
