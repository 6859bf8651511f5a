package hooks_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/hooks"
)

// openUpload is an import whose file the test writes as it goes, as a slow
// client would send it.
type openUpload struct {
	pipe   *io.PipeWriter
	form   *multipart.Writer
	file   io.Writer
	answer chan answer
}

type answer struct {
	status int
	body   string
	err    error
}

func startUpload(t *testing.T, base string) *openUpload {
	t.Helper()
	r, w := io.Pipe()
	u := &openUpload{pipe: w, form: multipart.NewWriter(w), answer: make(chan answer, 1)}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/postrider/clients/import", r)
	req.Header.Set("Content-Type", u.form.FormDataContentType())
	req.Header.Set("Authorization", tokens["alice"])
	go func() { u.answer <- send(req) }()
	t.Cleanup(func() { w.CloseWithError(io.ErrUnexpectedEOF) }) // before the server closes, which waits for it
	var err error
	if u.file, err = u.form.CreateFormFile("file", "clients.csv"); err != nil {
		t.Fatal(err)
	}
	return u
}

// send sends req and reads its answer.
func send(req *http.Request) answer {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: string(body), err: err}
}

// finish sends the rest of the file and waits for the answer.
func (u *openUpload) finish(t *testing.T, rest string) answer {
	t.Helper()
	io.WriteString(u.file, rest)
	u.form.Close()
	u.pipe.Close()
	return u.wait(t)
}

func (u *openUpload) wait(t *testing.T) answer {
	t.Helper()
	select {
	case a := <-u.answer:
		return a
	case <-time.After(time.Minute):
		t.Fatal("no answer to the import in a minute")
		return answer{}
	}
}

type testServer struct {
	*httptest.Server
	app *tests.TestApp
}

// importServer serves a test app's API over HTTP: uploads that stall need
// a connection.
func importServer(t *testing.T) testServer {
	app := newTestApp(t)
	t.Cleanup(app.Cleanup)
	server := httptest.NewServer(newAPI(t, app).mux)
	t.Cleanup(server.Close)
	return testServer{server, app}
}

func smallImport(t *testing.T, base, csv string) answer {
	body, ctype := upload(t, csv, nil)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/postrider/clients/import", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", tokens["alice"])
	return send(req)
}

// Two imports at once are taken; a third is told to come back, and comes
// in once one of them has ended.
func TestImportsBeyondTwoAtOnceWait(t *testing.T) {
	server := importServer(t)

	first, second := startUpload(t, server.URL), startUpload(t, server.URL)
	for _, u := range []*openUpload{first, second} {
		// 8 MB of blank lines: more than the connection holds, so once
		// written, the server is reading this upload
		if _, err := io.WriteString(u.file, "email,name\n"+strings.Repeat("\n", 8<<20)); err != nil {
			t.Fatal(err)
		}
	}
	third := smallImport(t, server.URL, "third@example.org,Third\n")
	if third.status != http.StatusTooManyRequests || !strings.Contains(third.body, "importing 2 files already") {
		t.Fatalf("a third import beside two answered %d %s (%v)", third.status, third.body, third.err)
	}
	for i, u := range []*openUpload{first, second} {
		if a := u.finish(t, "one@example.org,One\n"); a.status != 200 || !strings.Contains(a.body, `"rows":1`) {
			t.Fatalf("import %d answered %d %s (%v)", i+1, a.status, a.body, a.err)
		}
	}
	if a := smallImport(t, server.URL, "third@example.org,Third\n"); a.status != 200 || !strings.Contains(a.body, `"added":1`) {
		t.Fatalf("the third import again, after the others: %d %s (%v)", a.status, a.body, a.err)
	}
}

// An upload that stops sending is dropped with an answer that says so,
// saves nothing, and leaves its place to the next import.
func TestStalledUploadIsDropped(t *testing.T) {
	defer hooks.SetImportIdleTimeout(time.Second)()
	server := importServer(t)

	var stalled []*openUpload
	for range 2 {
		u := startUpload(t, server.URL)
		io.WriteString(u.file, "email,name\nstalled@example.org,Stalled\n")
		stalled = append(stalled, u)
	}
	for _, u := range stalled {
		a := u.wait(t)
		if a.status != http.StatusRequestTimeout || !strings.Contains(a.body, "The upload stalled: nothing came for 1s") {
			t.Fatalf("a stalled upload answered %d %s (%v)", a.status, a.body, a.err)
		}
	}
	if n, _ := server.app.CountRecords("clients", dbx.HashExp{"owner": aliceID}); n != 2 {
		t.Fatalf("alice has %d clients after stalled uploads, want her 2", n)
	}
	if a := smallImport(t, server.URL, "next@example.org,Next\n"); a.status != 200 || !strings.Contains(a.body, `"added":1`) {
		t.Fatalf("an import after the stalled ones: %d %s (%v)", a.status, a.body, a.err)
	}
}
