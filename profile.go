package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole process to the file
// POSTRIDER_CPUPROFILE names (go run ./bench -cpuprofile sets it for
// `postrider dispatch`), and returns what stops it; without the variable it
// does nothing. A command that exits with an error leaves no profile.
func startCPUProfile() (stop func()) {
	path := os.Getenv("POSTRIDER_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "postrider: POSTRIDER_CPUPROFILE:", err)
		os.Exit(1)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
