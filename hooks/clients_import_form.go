package hooks

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// importIdleTimeout is how long an upload may send nothing before it is
// dropped: a stalled upload would otherwise hold one of the few imports
// the server takes at once for the 5 minutes of PocketBase's read timeout.
var importIdleTimeout = 30 * time.Second

// importForm is what the multipart form of an import holds.
type importForm struct {
	file *importFile
	list string
	dry  bool
	// welcome: the clients who join the list count as joining it, for
	// its welcome windows (dispatch/welcome.go); off by default
	welcome bool
}

// readImportForm reads the form, the file spooled to a temporary file (up
// to the cap) in pb_data, which the caller removes. It reads the parts as
// they come instead of through ParseMultipartForm, so that a file over the
// cap is told apart from a broken upload, and one that stalls is dropped.
func readImportForm(e *core.RequestEvent) (form importForm, err error) {
	tooLarge := func() error {
		msg := fmt.Sprintf("The file is larger than %d MB, the most one import takes: split it into smaller files.", importMaxBytes>>20)
		return e.Error(http.StatusRequestEntityTooLarge, msg, fieldError("file", "validation_file_size_limit", msg))
	}
	noFile := func() error {
		return e.BadRequestError("Choose a CSV file.", fieldError("file", "validation_required", "Choose a CSV file."))
	}
	broken := func(err error) error {
		var maxBytes *http.MaxBytesError
		var disk *fs.PathError
		switch {
		case errors.As(err, &disk):
			return e.InternalServerError("The file could not be stored on the server; try again later.", err)
		case errors.As(err, &maxBytes):
			return tooLarge()
		case errors.Is(err, os.ErrDeadlineExceeded):
			msg := fmt.Sprintf("The upload stalled: nothing came for %s, so it was dropped; send the file again.", importIdleTimeout)
			return e.Error(http.StatusRequestTimeout, msg, fieldError("file", "validation_upload_stalled", msg))
		default:
			msg := "The upload was cut short or is not a form; send it again."
			return e.BadRequestError(msg, fieldError("file", "validation_invalid_file", msg))
		}
	}
	if e.Request.ContentLength > importMaxBytes+importFormSlack {
		return form, tooLarge()
	}
	control := http.NewResponseController(e.Response)
	e.Request.Body = http.MaxBytesReader(e.Response, idleBody{e.Request.Body, control}, importMaxBytes+importFormSlack)
	defer func() {
		switch {
		case err == nil:
			control.SetReadDeadline(time.Time{}) // the import itself takes its time
		case form.file != nil:
			os.Remove(form.file.path)
		}
	}()

	// the query may name the list and dry_run too, as FormValue allowed
	query := e.Request.URL.Query()
	form.list, form.dry = strings.TrimSpace(query.Get("list")), query.Get("dry_run") == "true"
	form.welcome = query.Get("welcome") == "true"
	mr, err := e.Request.MultipartReader()
	if err != nil {
		return form, noFile()
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return form, broken(err)
		}
		if part.FormName() == "file" {
			file, size, err := spoolImport(e.App, part)
			if file != nil && form.file != nil {
				os.Remove(form.file.path)
			}
			if file != nil {
				form.file = file
			}
			switch {
			case err != nil:
				return form, broken(err)
			case size > importMaxBytes:
				return form, tooLarge()
			case size == 0 && part.FileName() == "":
				// a form sent with no file chosen has an empty part without a name
				os.Remove(file.path)
				form.file = nil
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 1024))
		if err != nil {
			return form, broken(err)
		}
		switch part.FormName() {
		case "list":
			form.list = strings.TrimSpace(string(value))
		case "dry_run":
			form.dry = string(value) == "true"
		case "welcome":
			form.welcome = string(value) == "true"
		}
	}
	if form.file == nil {
		return form, noFile()
	}
	return form, nil
}

// idleBody is a request body whose every read must bring something within
// importIdleTimeout.
type idleBody struct {
	io.ReadCloser
	control *http.ResponseController
}

func (b idleBody) Read(p []byte) (int, error) {
	// a test's recorder has no connection (http.ErrNotSupported): no deadline
	b.control.SetReadDeadline(time.Now().Add(importIdleTimeout))
	return b.ReadCloser.Read(p)
}

// spoolImport writes an uploaded file to a temporary file in pb_data (whose
// temporary folder PocketBase empties at each start), without its byte
// order mark, up to one byte over the cap, and checks its text on the way.
// size is how many bytes it wrote.
func spoolImport(app core.App, part io.Reader) (file *importFile, size int64, err error) {
	dir := filepath.Join(app.DataDir(), core.LocalTempDirName)
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return nil, 0, err
	}
	out, err := os.CreateTemp(dir, "import-*.csv")
	if err != nil {
		return nil, 0, err
	}
	file = &importFile{path: out.Name()}
	in := bufio.NewReaderSize(part, 64<<10)
	head, err := in.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		out.Close()
		return file, 0, err
	}
	if bytes.Equal(head, []byte("\ufeff")) {
		in.Discard(3)
	}
	size, err = io.Copy(io.MultiWriter(out, &file.text), io.LimitReader(in, importMaxBytes+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return file, size, err
}
