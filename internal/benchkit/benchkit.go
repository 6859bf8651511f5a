// Package benchkit holds the few helpers the benchmark commands share
// (go run ./bench, go run ./bench/importbench): they stop the command with
// a message at the first thing that goes wrong.
package benchkit

import (
	"log"
	"net"
	"os"
	"os/exec"
	"strings"
)

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

// FreePort is a loopback port nobody listens on now.
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Must(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
