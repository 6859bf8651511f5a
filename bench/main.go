// Command bench measures `postrider dispatch` sending one mailing to N
// clients through postfix's smtp-sink on loopback, and times smtp-source
// (a lean C client) through the same sink as the reference. See the README.
//
//	go run ./bench -n 100000
//	go run ./bench pages   # every page's API calls on a large data set (pages.go)
//	go run ./bench audience # the reach count and the draft preview of a 1,000,000-client user (audience.go)
//	go run ./bench ontime  # a window's time to its first message, serve running (sharing.go)
//	go run ./bench fair    # a small mailing beside a 1,000,000-recipient one (sharing.go)
//	go run ./bench claim   # the longest write wait during a 1,000,000-recipient claim (claim.go)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

func main() {
	if len(os.Args) > 1 {
		sub := map[string]func([]string){"claim": claim, "pages": pages, "audience": audience, "ontime": ontime, "fair": fair, "relays": relays}[os.Args[1]]
		if sub != nil {
			log.SetFlags(0)
			sub(os.Args[2:])
			return
		}
	}
	n := flag.Int("n", 100000, "clients in the mailing's list")
	workers := flag.Int("workers", 20, "POSTRIDER_DISPATCH_WORKERS for the run")
	out := flag.String("out", "bench/out", "work folder (postfix tools, binary, data dir)")
	runs := flag.Int("runs", 1, "runs of the whole measure; each is printed, then the median")
	bins := flag.String("bin", "", "postrider binaries to run instead of building one, comma-separated: runs take turns between them (paired runs of two builds)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of each postrider dispatch here (POSTRIDER_CPUPROFILE; run i>1 gets .i appended)")
	flag.Parse()
	log.SetFlags(0)

	benchkit.Must(os.MkdirAll(*out, 0o755))
	abs, _ := filepath.Abs(*out)
	sink, source := postfixTools(abs)

	var binaries []string
	if *bins == "" {
		binaries = []string{benchkit.Build(*out, ".")}
	} else {
		for _, b := range strings.Split(*bins, ",") {
			b, err := filepath.Abs(b)
			benchkit.Must(err)
			binaries = append(binaries, b)
		}
	}

	// seeded once; each run sends from a copy
	seeded := filepath.Join(abs, "pb_data_seeded")
	dataDir := filepath.Join(abs, "pb_data")
	benchkit.Must(os.RemoveAll(seeded))
	benchkit.Step(fmt.Sprintf("seeding %d clients, one mailing due now", *n))
	_, err := seed.Mailing(seeded, *n)
	benchkit.Must(err)

	sinkCmd, port := startSink(abs, sink)
	defer sinkCmd.Process.Kill()
	sinkPid := sinkCmd.Process.Pid
	addr := "127.0.0.1:" + strconv.Itoa(port)

	// the reference runs through the same sink just before postrider and
	// just after it: the machine's speed wanders, and the mean of the two
	// runs around postrider's is the fairest comparison
	reference := func() phase {
		benchkit.Step(fmt.Sprintf("smtp-source -d -s 20 -l 2048 -m %d (reference)", *n))
		ref := exec.Command(source, "-d", "-s", "20", "-l", "2048", "-m", strconv.Itoa(*n),
			"-f", "bench@postrider.test", "-t", "rcpt@bench.test", addr)
		ref.Env = sinkCmd.Env
		return timed(ref, sinkPid)
	}

	var results []runResult
	for i := range *runs * len(binaries) {
		bin := binaries[i%len(binaries)]
		copyDir(seeded, dataDir)
		r := runResult{bin: filepath.Base(bin), load: loadAvg()}
		r.ref1 = reference()

		benchkit.Step(fmt.Sprintf("run %d: %s dispatch, %d workers (load %s)", i+1, bin, *workers, r.load))
		cmd := exec.Command(bin, "dispatch", "--dir", dataDir)
		cmd.Env = sinkEnv(port, *workers)
		if *cpuprofile != "" {
			path := *cpuprofile
			if i > 0 {
				path += "." + strconv.Itoa(i+1)
			}
			cmd.Env = append(cmd.Env, "POSTRIDER_CPUPROFILE="+path)
		}
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		started := time.Now()
		r.pr = timed(cmd, sinkPid)
		var firstAt time.Time
		r.sent, firstAt, _ = report(dataDir)
		r.firstMs = firstAt.Sub(started).Seconds() * 1000

		r.ref2 = reference()
		results = append(results, r)
	}
	printRuns(results, *n, *workers)
}

// sinkEnv is the environment of a postrider command that sends to the
// sink at port on loopback with workers connections.
func sinkEnv(port, workers int) []string {
	return append(os.Environ(),
		"POSTRIDER_SMTP_HOST=127.0.0.1", "POSTRIDER_SMTP_PORT="+strconv.Itoa(port), "POSTRIDER_SMTP_TLS=none",
		"POSTRIDER_DISPATCH_WORKERS="+strconv.Itoa(workers), "POSTRIDER_SENDER_ADDRESS=bench@postrider.test")
}

// postfixTools unpacks smtp-sink and smtp-source from Debian's postfix
// package into out/postfix, without installing a mail server.
func postfixTools(out string) (sink, source string) {
	dir := filepath.Join(out, "postfix")
	sink, source = filepath.Join(dir, "usr/sbin/smtp-sink"), filepath.Join(dir, "usr/sbin/smtp-source")
	if _, err := os.Stat(sink); err == nil {
		return sink, source
	}
	benchkit.Step("fetching postfix's smtp-sink and smtp-source (apt-get download postfix)")
	get := exec.Command("apt-get", "download", "postfix")
	get.Dir = out
	benchkit.Run(get)
	debs, _ := filepath.Glob(filepath.Join(out, "postfix_*.deb"))
	if len(debs) == 0 {
		log.Fatal("apt-get download postfix left no .deb (run apt-get update first)")
	}
	benchkit.Run(exec.Command("dpkg", "-x", debs[0], dir))
	return sink, source
}

// startSink starts postfix's smtp-sink (unpacked in work by postfixTools)
// on a free loopback port, and returns once it answers there. Its Env is
// the one the postfix tools need (smtp-source's too).
func startSink(work, sink string) (*exec.Cmd, int) {
	port := benchkit.FreePort()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(sink, "-u", "nobody", addr, "1000")
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(work, "postfix/usr/lib/postfix"))
	benchkit.Must(cmd.Start())
	waitListening(addr)
	return cmd, port
}

// report reads back how many deliveries were sent, when the first went out
// and when the run was claimed.
func report(dataDir string) (sent int, first, claimed time.Time) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	var row struct {
		Sent    int            `db:"sent"`
		First   types.DateTime `db:"first"`
		Claimed types.DateTime `db:"claimed"`
	}
	benchkit.Must(app.DB().NewQuery(`
		SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'sent') AS sent,
		       (SELECT MIN(sent_at) FROM deliveries WHERE status = 'sent') AS first,
		       (SELECT MIN(started_at) FROM runs) AS claimed`).One(&row))
	return row.Sent, row.First.Time(), row.Claimed.Time()
}

func waitListening(addr string) {
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			bufio.NewReader(c).ReadString('\n')
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("smtp-sink did not listen on %s", addr)
}
