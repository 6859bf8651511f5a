package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"postrider/internal/loopback"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error

	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// Root is the repository's folder (the one with go.mod), found upwards from
// the test package's folder, where go test runs its tests.
func Root(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("no go.mod above the test's folder")
				return
			}
			dir = parent
		}
	})
	if rootErr != nil {
		t.Fatal(rootErr)
	}
	return rootDir
}

// PublicDir is the web app's folder, which serve is given with --publicDir.
func PublicDir(t testing.TB) string {
	return filepath.Join(Root(t), "pb_public")
}

// Binary builds postrider once per test package (each package under
// tests/e2e is its own test binary, so each builds it once; go's build
// cache makes every build after the first a link).
func Binary(t testing.TB) string {
	t.Helper()
	root := Root(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "postrider-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "postrider")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Dir = root
		out, err := build.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Run prepares the binary with args in a fresh working dir (so that no
// .env of the developer's is read) and the given POSTRIDER_ variables.
func Run(t testing.TB, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// FreePort is a loopback TCP port nobody listens on, for a process the
// test starts to listen on (loopback.FreePort says how it is picked).
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
