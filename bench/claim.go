package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

// claim measures what a big claim costs every other writer (go run ./bench
// claim): `postrider dispatch` claims a window of -n recipients and sends
// to postfix's smtp-sink while a probe, another process's connection to
// the same database as a REST save would be, makes a small write every
// 10 ms and records how long each waited. It reports the longest wait
// while the claim was writing, the claim's length, and the time from the
// claim's start to the first message. With -serve, `postrider serve`
// claims and sends as it does by default (its own dispatcher), and the
// probe is its user renaming a client through the REST API 50 times a
// second (from two addresses, each within the rate limit): the waits a
// user's saves meet. Once the claim is over the dispatch
// is stopped: the sending is the main benchmark's.
func claim(args []string) {
	fs := flag.NewFlagSet("claim", flag.ExitOnError)
	n := fs.Int("n", 1000000, "clients in the mailing's list")
	out := fs.String("out", "bench/out/claim", "work folder (binary, data dir)")
	bins := fs.String("bin", "", "postrider binaries to measure instead of building one, comma-separated")
	chunk := fs.Int("chunk", 0, "POSTRIDER_CLAIM_CHUNK (0: the default)")
	viaServe := fs.Bool("serve", false, "run `postrider serve`, which dispatches itself, and probe with REST saves "+
		"(PATCH a client, 50 a second) instead of `postrider dispatch` beside another process's writes")
	fs.Parse(args)

	benchkit.Must(os.MkdirAll(*out, 0o755))
	abs, _ := filepath.Abs(*out)
	binaries := []string{}
	if *bins == "" {
		binaries = append(binaries, benchkit.Build(*out, "."))
	} else {
		for _, b := range strings.Split(*bins, ",") {
			b, err := filepath.Abs(b)
			benchkit.Must(err)
			binaries = append(binaries, b)
		}
	}
	seeded, dataDir := filepath.Join(abs, "pb_data_seeded"), filepath.Join(abs, "pb_data")
	benchkit.Must(os.RemoveAll(seeded))
	benchkit.Step(fmt.Sprintf("seeding %d clients, one mailing due now", *n))
	_, err := seed.Mailing(seeded, *n)
	benchkit.Must(err)
	sink, _ := postfixTools(filepath.Join(filepath.Dir(abs)))
	sinkCmd, port := startSink(filepath.Dir(abs), sink)
	defer sinkCmd.Process.Kill()

	probeSaid := "another process's write every 10 ms"
	if *viaServe {
		probeSaid = "a REST save every 20 ms"
	}
	fmt.Printf("\n| binary | recipients | claim (run created → last chunk seen) | longest probe wait during the claim (%s) | probe writes over 100 ms | claim start → first message |\n|---|---|---|---|---|---|\n", probeSaid)
	for _, bin := range binaries {
		copyDir(seeded, dataDir)
		r := measureClaim(bin, dataDir, port, *chunk, *viaServe)
		first := "none before the claim ended"
		if r.first > 0 {
			first = fmt.Sprintf("%d ms", r.first.Milliseconds())
		}
		failed := ""
		if r.failed > 0 {
			failed = fmt.Sprintf(" (%d failed)", r.failed)
		}
		fmt.Printf("| %s | %d | %.1f s | %d ms | %d of %d%s | %s |\n", filepath.Base(filepath.Dir(bin))+"/"+filepath.Base(bin), r.total,
			r.claim.Seconds(), r.worst.Milliseconds(), r.over100, r.probes, failed, first)
	}
}

type claimResult struct {
	total           int
	claim, first    time.Duration
	worst           time.Duration
	over100, probes int
	failed          int // probe writes that failed (named in the log)
}

func measureClaim(bin, dataDir string, port, chunk int, viaServe bool) claimResult {
	probe := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(probe.Bootstrap())
	defer probe.ResetBootstrapState()

	env := sinkEnv(port, 20)
	if chunk > 0 {
		env = append(env, "POSTRIDER_CLAIM_CHUNK="+strconv.Itoa(chunk))
	}
	// the write each probe makes, and how often
	var write func(i int) error
	every := 10 * time.Millisecond
	var cmd *exec.Cmd
	if viaServe {
		// serve dispatches the due mailing itself (its wake), while its
		// owner renames a client through the REST API, as a user would
		listen := "127.0.0.1:" + strconv.Itoa(benchkit.FreePort()) // port is the sink's
		base := "http://" + listen
		benchkit.Step("serve (dispatching itself) with " + bin)
		cmd = exec.Command(bin, "serve", "--dev=false", "--dir", dataDir, "--http", listen)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		benchkit.Must(cmd.Start())
		defer cmd.Process.Kill() // also when a call below fails
		benchkit.WaitHealthy(base, &out)
		// two sessions from two loopback addresses, taking turns: 50 saves
		// a second in all, each address within the REST rate limit (300
		// requests in 10 s)
		var owners []*client
		for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
			c := loggedIn(base, seed.OwnerEmail)
			dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
			c.http.Transport = &http.Transport{DialContext: dialer.DialContext}
			owners = append(owners, c)
		}
		var renamed string
		benchkit.Must(probe.DB().NewQuery(`SELECT id FROM clients LIMIT 1`).Row(&renamed))
		every = 20 * time.Millisecond
		write = func(i int) error {
			res := owners[i%2].try("PATCH", "/api/collections/clients/records/"+renamed, map[string]any{"name": fmt.Sprintf("Renamed %d", i)})
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("PATCH answered %d", res.StatusCode)
			}
			return nil
		}
	} else {
		_, err := probe.NonconcurrentDB().NewQuery(`CREATE TABLE IF NOT EXISTS _bench_probe (n INTEGER)`).Execute()
		benchkit.Must(err)
		write = func(i int) error {
			_, err := probe.NonconcurrentDB().NewQuery(`INSERT INTO _bench_probe (n) VALUES ({:n})`).Bind(map[string]any{"n": i}).Execute()
			return err
		}
	}

	type wait struct {
		at     time.Time
		dur    time.Duration
		failed bool
	}
	var mu sync.Mutex
	var waits []wait
	stop := make(chan struct{})
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			err := write(i)
			if err != nil {
				log.Printf("   probe write %d failed after %s: %v", i, time.Since(start).Round(time.Millisecond), err)
			}
			mu.Lock()
			waits = append(waits, wait{start, time.Since(start), err != nil})
			mu.Unlock()
		}
	}()

	if !viaServe {
		benchkit.Step("dispatch with " + bin)
		cmd = exec.Command(bin, "dispatch", "--dir", dataDir)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		benchkit.Must(cmd.Start())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// the claim is over once the run exists, holds deliveries, and (where
	// the build has the column) claims no more
	var chunked int
	benchkit.Must(probe.DB().NewQuery(`SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'claiming'`).Row(&chunked))
	over := `SELECT COUNT(*) FROM runs WHERE total > 0`
	if chunked > 0 {
		over += ` AND claiming = FALSE`
	}
	var claimed time.Time
	for {
		var done int
		if err := probe.DB().NewQuery(over).Row(&done); err == nil && done > 0 {
			claimed = time.Now()
			break
		}
		select {
		case err := <-exited:
			log.Fatalf("postrider ended before its claim did: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	close(stop) // before the kill: a REST probe would meet a closed connection
	<-probed
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited

	var row struct {
		Total   int            `db:"total"`
		Started types.DateTime `db:"started_at"`
		First   types.DateTime `db:"first"`
	}
	benchkit.Must(probe.DB().NewQuery(`
		SELECT total, started_at, (SELECT MIN(sent_at) FROM deliveries WHERE sent_at != '') AS first
		FROM runs LIMIT 1`).One(&row))
	// the claim's end as this process saw it (within 20 ms): the old claim
	// dates every delivery at its start
	r := claimResult{total: row.Total, claim: claimed.Sub(row.Started.Time())}
	if !row.First.IsZero() {
		r.first = row.First.Time().Sub(row.Started.Time())
	}
	from, to := row.Started.Time(), claimed
	for _, w := range waits {
		// the probes that began while the claim wrote, or were held by it
		if w.at.Add(w.dur).Before(from) || w.at.After(to) {
			continue
		}
		r.probes++
		if w.failed { // refused, not waited: counted apart
			r.failed++
			continue
		}
		r.worst = max(r.worst, w.dur)
		if w.dur > 100*time.Millisecond {
			r.over100++
		}
	}
	return r
}
