package clientcsv

import (
	"errors"
	"strings"
	"testing"
)

// A file that cannot be read is refused naming the line where its broken
// row starts, as the user finds it in a spreadsheet.
func TestReadRefusesNamingTheLine(t *testing.T) {
	for _, c := range []struct {
		file string
		line int
		says string
	}{
		{files[1], 3, "line 3: a quoted value starts there and is not closed"},
		{files[2], 1, "line 1, column 20"},
		{files[7], 4, "line 4: the row that starts there runs over 1 MB"},
	} {
		file := c.file
		if c.line == 4 {
			file += strings.Repeat("a@example.org,A\n", 70000)
		}
		_, err := Read(strings.NewReader(file), "utf-8", func(Row) error { return nil })
		var refused *Error
		if !errors.As(err, &refused) || refused.Line != c.line || !strings.Contains(refused.Msg, c.says) {
			t.Errorf("%.40q: %v, want line %d saying %q", file, err, c.line, c.says)
		}
	}
}
