// Package benchkit holds the few helpers the benchmark commands share
// (go run ./bench, go run ./bench/importbench): they stop the command with
// a message at the first thing that goes wrong.
package benchkit

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"postrider/internal/loopback"
)

// Build builds postrider from the source tree src into the folder out,
// and returns the binary's absolute path.
func Build(out, src string) string {
	Must(os.MkdirAll(out, 0o755))
	abs, _ := filepath.Abs(out)
	bin := filepath.Join(abs, "postrider")
	Step("building postrider from " + src)
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	Run(build)
	return bin
}

// Step says what the benchmark does next.
func Step(s string) { log.Printf("== %s", s) }

// Run runs cmd to its end (its output on stderr unless set), or stops.
func Run(cmd *exec.Cmd) {
	if cmd.Stdout == nil {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
}

// Must stops at err.
func Must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// FreePort is a loopback port nobody listens on now (loopback.FreePort).
func FreePort() int {
	port, err := loopback.FreePort()
	Must(err)
	return port
}

// WaitHealthy waits up to a minute for a postrider serve at base to
// answer, or stops with what the server printed.
func WaitHealthy(base string, output fmt.Stringer) {
	for range 600 {
		if res, err := http.Get(base + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Fatalf("postrider serve did not answer on %s:\n%s", base, output)
}

// MemoryMiB reads one memory figure of a running process from
// /proc/PID/status, in MiB: VmRSS (now) or VmHWM (its peak); 0 when it
// cannot be read.
func MemoryMiB(pid int, key string) float64 {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// Percentile is the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest rank: the smallest value that p % of them do not exceed (the
// 95th of 20 is the 19th, not the largest).
func Percentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100
	return sorted[max(rank, 1)-1]
}
