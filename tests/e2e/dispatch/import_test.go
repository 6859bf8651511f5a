package dispatch

// End-to-end test of a big client import beside the dispatcher: the real
// binary (`postrider serve` taking the import, `postrider dispatch` sending
// a mailing) on one data dir.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// A 200,000-row import goes in by chunks, each a short transaction: its
// clients show up while it runs, and a `postrider dispatch` started on the
// same data dir meanwhile sends its whole run (it used to give up with
// "database is locked" beside a big import, which held SQLite's write lock
// from the first row to the last).
func TestImportBesideDispatch(t *testing.T) {
	const (
		clients  = 3000   // the seeded mailing's, sent by the dispatcher
		imported = 200000 // the import's, new clients in no list
	)
	dir, _ := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	var importDone atomic.Bool
	var firstMessage sync.Once
	var importRanAtFirstMessage atomic.Bool
	var firstMessageAt, importDoneAt time.Time
	srv.OnData = func(smtptest.Message) error {
		// the dispatcher writes the run's deliveries before its first message
		firstMessage.Do(func() {
			firstMessageAt = time.Now()
			importRanAtFirstMessage.Store(!importDone.Load())
		})
		time.Sleep(time.Millisecond) // a slow server: the run lasts through the import
		return nil
	}
	env := e2e.SMTPEnv(srv.Port, 0)
	serveEnv := e2e.SMTPEnv(srv.Port, 0)
	serveEnv["POSTRIDER_DISPATCH_CRON"] = "off" // only the command sends
	in := e2e.Serve(t, serveEnv, e2e.DataDirFiles(t, dir, "pb_data"))
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)

	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := 1; i <= imported; i++ {
		fmt.Fprintf(&csv, "imported%d@import.test,Imported %d\n", i, i)
	}
	body := new(bytes.Buffer)
	form := multipart.NewWriter(body)
	file, _ := form.CreateFormFile("file", "clients.csv")
	io.WriteString(file, csv.String())
	form.Close()

	type answer struct {
		status int
		body   string
	}
	answered := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", in.URL+"/api/postrider/clients/import", body)
		req.Header.Set("Content-Type", form.FormDataContentType())
		req.Header.Set("Authorization", token)
		res, err := http.DefaultClient.Do(req)
		importDoneAt = time.Now()
		importDone.Store(true)
		if err != nil {
			answered <- answer{0, err.Error()}
			return
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- answer{res.StatusCode, string(out)}
	}()

	// the first chunk's clients show up while the rest is still going in
	visible := "/api/collections/clients/records?perPage=1&filter=" + url.QueryEscape("email ~ '@import.test'")
	e2e.Eventually(t, time.Minute, func() error {
		var page struct{ TotalItems int }
		in.Call("GET", visible, token, nil, &page)
		if page.TotalItems == imported {
			t.Fatalf("the import's %d clients showed up all at once: it is one transaction, not chunks", imported)
		}
		if page.TotalItems > 0 {
			t.Logf("%d of the import's clients visible while it runs", page.TotalItems)
			return nil
		}
		if importDone.Load() {
			a := <-answered
			t.Fatalf("the import answered before any of its clients showed up: %d %s", a.status, a.body)
		}
		return errors.New("none of the import's clients showed up")
	})

	dispatched := e2e.RunDispatch(t, env, in.DataDir)
	t.Logf("dispatch beside the import:\n%s", dispatched)
	var a answer
	select {
	case a = <-answered:
	case <-time.After(2 * time.Minute):
		t.Fatal("the import did not answer within 2 minutes")
	}
	msgs := srv.Messages() // after the messages' lock, firstMessageAt is safe to read
	t.Logf("the dispatcher's first message came %s before the import's answer", importDoneAt.Sub(firstMessageAt).Round(time.Millisecond))
	if !importRanAtFirstMessage.Load() {
		t.Fatal("the import had ended before the dispatcher sent its first message: the test proves nothing (make the file bigger)")
	}
	if dispatched.Code != 0 || !strings.Contains(dispatched.Stdout, fmt.Sprintf("sent %d", clients)) {
		t.Errorf("the dispatch beside the import did not send its run:\n%s", dispatched)
		// what the log says of those not sent: the reason a user would read
		var rows []struct{ Email, Status, Response string }
		err := e2e.OpenData(t, in.DataDir).DB().NewQuery("SELECT email, status, response FROM deliveries WHERE status != 'sent' LIMIT 20").All(&rows)
		t.Logf("deliveries not sent (%v): %+v", err, rows)
	}
	e2e.CheckEachOnce(t, msgs, clients)
	if a.status != 200 || !strings.Contains(a.body, fmt.Sprintf(`"added":%d`, imported)) {
		t.Fatalf("the import answered %d: %.500s", a.status, a.body)
	}
	var page struct{ TotalItems int }
	in.Call("GET", visible, token, nil, &page)
	if page.TotalItems != imported {
		t.Fatalf("%d imported clients in the data dir, want %d", page.TotalItems, imported)
	}
}
