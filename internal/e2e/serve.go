package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"postrider/internal/smtptest"
)

// Instance is one running `postrider serve`.
type Instance struct {
	T       *testing.T
	URL     string
	DataDir string
	Output  *SyncBuffer
	SMTP    *smtptest.Server // where its mail goes, when not to the outbox
	Cmd     *exec.Cmd
}

// Serve starts the server and waits until it answers. files are written
// beside the data dir first (pb_hooks/x.pb.js, for instance).
func Serve(t *testing.T, env map[string]string, files ...map[string]string) *Instance {
	t.Helper()
	root := t.TempDir()
	for _, set := range files {
		for name, content := range set {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ServeAt(t, env, filepath.Join(root, "pb_data"))
}

// ServeAt starts `serve` on the data dir given.
func ServeAt(t *testing.T, env map[string]string, dataDir string) *Instance {
	t.Helper()
	port := FreePort(t)
	in := &Instance{T: t, URL: "http://127.0.0.1:" + strconv.Itoa(port), Output: new(SyncBuffer), DataDir: dataDir}
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["POSTRIDER_APP_URL"]; !ok {
		env["POSTRIDER_APP_URL"] = in.URL
	}
	cmd := Run(t, env, "serve", "--dev=false", "--http", "127.0.0.1:"+strconv.Itoa(port),
		"--dir", in.DataDir, "--publicDir", PublicDir(t))
	cmd.Stdout, cmd.Stderr = in.Output, in.Output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.Cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server output:\n%s", in.Output)
		}
	})
	WaitHealthy(t, in.URL, in.Output)
	return in
}

// WaitHealthy waits (30 s at most) until the serve at url answers its
// health check; out is what it printed, for a failing test.
func WaitHealthy(t testing.TB, url string, out fmt.Stringer) {
	t.Helper()
	Eventually(t, 30*time.Second, func() error {
		res, err := http.Get(url + "/api/health")
		if err != nil {
			return fmt.Errorf("the server does not answer on %s: %v\n%s", url, err, out)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("the server on %s answers its health check with %d:\n%s", url, res.StatusCode, out)
		}
		return nil
	})
}

// Call sends a JSON request and decodes the JSON answer into out (when not nil).
func (in *Instance) Call(method, path, token string, body any, out any) int {
	in.T.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			in.T.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.URL+path, r)
	if err != nil {
		in.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			in.T.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// Must is Call that fails the test unless the status is want.
func (in *Instance) Must(want int, method, path, token string, body any) map[string]any {
	in.T.Helper()
	var out map[string]any
	if got := in.Call(method, path, token, body, &out); got != want {
		in.T.Fatalf("%s %s: status %d, want %d: %v", method, path, got, want, out)
	}
	return out
}

// SyncBuffer is a bytes.Buffer that a running process writes to while the
// test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
