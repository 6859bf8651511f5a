// Command bench measures `postrider dispatch` sending one mailing to N
// clients through postfix's smtp-sink on loopback, and times smtp-source
// (a lean C client) through the same sink as the reference. See the README.
//
//	go run ./bench -n 100000
//	go run ./bench pages   # every page's API calls on a large data set (pages.go)
//	go run ./bench ontime  # a window's time to its first message, serve running (sharing.go)
//	go run ./bench fair    # a small mailing beside a 1,000,000-recipient one (sharing.go)
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
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

func main() {
	if len(os.Args) > 1 {
		sub := map[string]func([]string){"pages": pages, "ontime": ontime, "fair": fair, "relays": relays}[os.Args[1]]
		if sub != nil {
			log.SetFlags(0)
			sub(os.Args[2:])
			return
		}
	}
	n := flag.Int("n", 100000, "clients in the mailing's list")
	workers := flag.Int("workers", 20, "POSTRIDER_DISPATCH_WORKERS for the run")
	out := flag.String("out", "bench/out", "work folder (postfix tools, binary, data dir)")
	flag.Parse()
	log.SetFlags(0)

	benchkit.Must(os.MkdirAll(*out, 0o755))
	abs, _ := filepath.Abs(*out)
	sink, source := postfixTools(abs)

	bin := filepath.Join(abs, "postrider")
	benchkit.Step("building postrider")
	benchkit.Run(exec.Command("go", "build", "-o", bin, "."))

	dataDir := filepath.Join(abs, "pb_data")
	benchkit.Must(os.RemoveAll(dataDir))
	benchkit.Step(fmt.Sprintf("seeding %d clients, one mailing due now", *n))
	_, err := seed.Mailing(dataDir, *n)
	benchkit.Must(err)

	port := benchkit.FreePort()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	sinkCmd := exec.Command(sink, "-u", "nobody", addr, "1000")
	sinkCmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(abs, "postfix/usr/lib/postfix"))
	benchkit.Must(sinkCmd.Start())
	defer sinkCmd.Process.Kill()
	waitListening(addr)

	// the reference runs through the same sink just before postrider and
	// just after it: the machine's speed wanders, and the mean of the two
	// runs around postrider's is the fairest comparison
	reference := func() time.Duration {
		benchkit.Step(fmt.Sprintf("smtp-source -d -s 20 -l 2048 -m %d (reference)", *n))
		ref := exec.Command(source, "-d", "-s", "20", "-l", "2048", "-m", strconv.Itoa(*n),
			"-f", "bench@postrider.test", "-t", "rcpt@bench.test", addr)
		ref.Env = sinkCmd.Env
		start := time.Now()
		benchkit.Run(ref)
		return time.Since(start)
	}
	ref1 := reference()

	benchkit.Step(fmt.Sprintf("postrider dispatch, %d workers", *workers))
	cmd := exec.Command(bin, "dispatch", "--dir", dataDir)
	cmd.Env = append(os.Environ(),
		"POSTRIDER_SMTP_HOST=127.0.0.1", "POSTRIDER_SMTP_PORT="+strconv.Itoa(port), "POSTRIDER_SMTP_TLS=none",
		"POSTRIDER_DISPATCH_WORKERS="+strconv.Itoa(*workers), "POSTRIDER_SENDER_ADDRESS=bench@postrider.test")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	started := time.Now()
	benchkit.Must(cmd.Run())
	took := time.Since(started)
	rssKiB := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	sent, firstAt, claimedAt := report(dataDir)

	ref2 := reference()
	refTook := (ref1 + ref2) / 2

	rate := float64(sent) / took.Seconds()
	refRate := float64(*n) / refTook.Seconds()
	fmt.Printf("\n| measure | value |\n|---|---|\n")
	fmt.Printf("| messages sent and recorded | %d of %d |\n", sent, *n)
	fmt.Printf("| postrider dispatch, whole process | %.2f s, %.0f messages/s |\n", took.Seconds(), rate)
	fmt.Printf("| smtp-source (reference), mean of the runs before and after | %.2f s, %.0f messages/s (%.0f and %.0f) |\n",
		refTook.Seconds(), refRate, float64(*n)/ref1.Seconds(), float64(*n)/ref2.Seconds())
	fmt.Printf("| ratio to smtp-source | %.2f |\n", rate/refRate)
	fmt.Printf("| peak RSS of postrider dispatch | %.1f MiB |\n", float64(rssKiB)/1024)
	fmt.Printf("| CPU time of postrider dispatch | %.2f s (%.0f µs a message) |\n", cpu.Seconds(), cpu.Seconds()*1e6/float64(max(sent, 1)))
	fmt.Printf("| process start to first message | %.0f ms |\n", firstAt.Sub(started).Seconds()*1000)
	fmt.Printf("| run claimed to first message | %.0f ms |\n", firstAt.Sub(claimedAt).Seconds()*1000)
	fmt.Printf("| workers | %d |\n", *workers)
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
