package main

// The CPU a message costs each side (issue 13): every run times smtp-source,
// `postrider dispatch` and smtp-source again through one smtp-sink, and
// reads each client's CPU from its own rusage (user+sys) and the sink's
// from /proc/PID/stat before and after each phase, so that a reader can
// tell when the sink, not the client, set the pace.
//
//	go run ./bench -runs 5                       # five runs and their median
//	go run ./bench -runs 3 -bin old,new          # paired runs of two builds, taking turns
//	go run ./bench -cpuprofile /tmp/dispatch.pprof

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"postrider/internal/benchkit"
)

// phase is one client's pass of n messages through the sink.
type phase struct {
	took    time.Duration
	cpu     time.Duration // the client's user+sys
	sinkCPU time.Duration // the sink's, over the same time
	rssKiB  int64
	// this process's RSS when the client started: the least rssKiB can
	// read (lowerPeak)
	floorKiB int64
}

// runResult is one run: smtp-source before and after postrider.
type runResult struct {
	bin            string
	load           string // /proc/loadavg's first three figures at the start
	ref1, pr, ref2 phase
	sent           int
	firstMs        float64
}

func (r runResult) rate(n int) float64 { return float64(n) / r.pr.took.Seconds() }
func (r runResult) refRate(n int) float64 {
	return float64(n) / ((r.ref1.took + r.ref2.took) / 2).Seconds()
}
func (r runResult) ratio(n int) float64 { return r.rate(n) / r.refRate(n) }

func perMessage(d time.Duration, n int) float64 { return d.Seconds() * 1e6 / float64(max(n, 1)) }

// the reference's and the sink's CPU as the mean of both reference phases
func (r runResult) refCPU(n int) float64 { return perMessage((r.ref1.cpu+r.ref2.cpu)/2, n) }
func (r runResult) refSink(n int) float64 {
	return perMessage((r.ref1.sinkCPU+r.ref2.sinkCPU)/2, n)
}

// timed runs cmd to its end and reads its CPU and the sink's.
func timed(cmd *exec.Cmd, sinkPid int) phase {
	floor := lowerPeak()
	sinkBefore := procCPU(sinkPid)
	start := time.Now()
	benchkit.Run(cmd)
	took := time.Since(start)
	st := cmd.ProcessState
	return phase{took: took, cpu: st.UserTime() + st.SystemTime(), sinkCPU: procCPU(sinkPid) - sinkBefore,
		rssKiB: st.SysUsage().(*syscall.Rusage).Maxrss, floorKiB: floor}
}

// lowerPeak brings this process's peak RSS down to its RSS now and returns
// it, in KiB. A child's peak RSS as wait4 reports it is at least the peak
// of the memory it was started from: Go starts a child with vfork, and
// Linux keeps the peak of the memory an exec replaces. That was this
// process's, which after seeding 1,000,000 clients (390 MiB) was reported
// as the dispatcher's. Its memory handed back and its peak reset
// (clear_refs 5, proc(5)), what is left is its RSS now.
func lowerPeak() int64 {
	debug.FreeOSMemory()
	benchkit.Must(os.WriteFile("/proc/self/clear_refs", []byte("5"), 0))
	return int64(benchkit.MemoryMiB(os.Getpid(), "VmHWM") * 1024)
}

// procCPU is a running process's utime+stime from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	benchkit.Must(err)
	// the command's name, in parentheses, may hold spaces: count from after it
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64) // field 14 of the whole line
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

const clockTicks = 100 // sysconf(_SC_CLK_TCK) on Linux

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// copyDir copies the regular files of a seeded data dir, so that each run
// starts from the same pending mailing without seeding it again.
func copyDir(from, to string) {
	benchkit.Must(os.RemoveAll(to))
	benchkit.Must(os.MkdirAll(to, 0o755))
	entries, err := os.ReadDir(from)
	benchkit.Must(err)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		src, err := os.Open(filepath.Join(from, e.Name()))
		benchkit.Must(err)
		dst, err := os.Create(filepath.Join(to, e.Name()))
		benchkit.Must(err)
		_, err = io.Copy(dst, src)
		benchkit.Must(err)
		src.Close()
		benchkit.Must(dst.Close())
	}
}

// printRuns prints every run, then the medians of each binary's runs.
func printRuns(results []runResult, n, workers int) {
	fmt.Printf("\n%d messages a run, %d workers; CPU in µs a message (user+sys); the reference's figures are the mean of its runs before and after\n\n", n, workers)
	fmt.Println("| run | binary | load before | postrider msg/s | smtp-source msg/s | ratio | postrider CPU | smtp-source CPU | sink CPU, postrider | sink CPU, smtp-source | postrider peak RSS | start to first message |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for i, r := range results {
		fmt.Printf("| %d | %s | %s | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f MiB | %.0f ms |\n",
			i+1, r.bin, r.load, r.rate(n), r.refRate(n), r.ratio(n), perMessage(r.pr.cpu, r.sent), r.refCPU(n),
			perMessage(r.pr.sinkCPU, r.sent), r.refSink(n), float64(r.pr.rssKiB)/1024, r.firstMs)
	}
	var bins []string
	for _, r := range results {
		if !slices.Contains(bins, r.bin) {
			bins = append(bins, r.bin)
		}
	}
	fmt.Println("\nmedians:")
	fmt.Println("| binary | runs | postrider msg/s | smtp-source msg/s | ratio | postrider CPU | smtp-source CPU | sink CPU, postrider | sink CPU, smtp-source | postrider peak RSS |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, bin := range bins {
		var rs []runResult
		for _, r := range results {
			if r.bin == bin {
				rs = append(rs, r)
			}
		}
		med := func(f func(runResult) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		fmt.Printf("| %s | %d | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f MiB |\n", bin, len(rs),
			med(func(r runResult) float64 { return r.rate(n) }), med(func(r runResult) float64 { return r.refRate(n) }),
			med(func(r runResult) float64 { return r.ratio(n) }),
			med(func(r runResult) float64 { return perMessage(r.pr.cpu, r.sent) }),
			med(func(r runResult) float64 { return r.refCPU(n) }),
			med(func(r runResult) float64 { return perMessage(r.pr.sinkCPU, r.sent) }),
			med(func(r runResult) float64 { return r.refSink(n) }),
			med(func(r runResult) float64 { return float64(r.pr.rssKiB) / 1024 }))
	}
	for i, r := range results {
		if r.pr.rssKiB <= r.pr.floorKiB {
			log.Printf("warning: run %d's peak RSS is the bench's own at its start (%.1f MiB): the dispatcher's was at most that", i+1, float64(r.pr.floorKiB)/1024)
		}
	}
	for _, r := range results {
		if r.sent != n {
			log.Printf("warning: a run of %s sent and recorded %d of %d", r.bin, r.sent, n)
		}
	}
}
