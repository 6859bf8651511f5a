package e2e

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
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
// test starts to listen on. It is taken below the kernel's ephemeral range
// (ip_local_port_range): a port from that range, freed for the process to
// take, could meanwhile become the source port of any outgoing connection
// on the machine (the tests make thousands), and serve then failed with
// "address already in use". Below the range only another listener can
// take it, and a random pick makes two tests' picks unlikely to meet.
func FreePort(t testing.TB) int {
	t.Helper()
	low := ephemeralLow()
	for range 100 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue // taken
		}
		l.Close()
		return port
	}
	t.Fatalf("no free loopback port between 10000 and %d in 100 tries", low)
	return 0
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// where it cannot be read, Linux's default).
func ephemeralLow() int {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 11000 {
		return 32768
	}
	return low
}
