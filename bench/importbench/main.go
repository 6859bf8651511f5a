// Command importbench measures POST /api/postrider/clients/import with a
// file of a million new clients, sent to a running `postrider serve`,
// while a stream of REST writes goes on beside it (50 a second, each a
// PATCH of one of the owner's lists, as the same user): how long the
// import takes, and how long the writes wait meanwhile (SQLite has one
// write lock; a write that waits for it is a stall the user sees).
//
//	go run ./bench/importbench -n 1000000
//	go run ./bench/importbench -src /tmp/oldtree   # the same, with the binary built from another tree
//
// The rows are short (c123@i.test,Name 123), so that a million of them
// fit under PocketBase's default 32 MiB body limit, which the import route
// had before it had its own cap: the same file measures the old code too.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

func main() {
	n := flag.Int("n", 1000000, "rows in the imported file")
	rate := flag.Int("rate", 50, "REST writes a second beside the import")
	src := flag.String("src", ".", "the source tree to build postrider from")
	out := flag.String("out", "bench/out/importbench", "work folder (binary, data dir)")
	memory := flag.Bool("memory", false, "measure serve's peak memory through 64 MB imports instead (memory.go)")
	flag.Parse()
	log.SetFlags(0)

	server, base := serve(*src, *out)
	defer server.Process.Kill()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}, Timeout: 5 * time.Minute}
	var auth struct{ Token string }
	call(client, "POST", base+"/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword}, &auth)
	if *memory {
		peaks(client, base, auth.Token, server.Process.Pid)
		return
	}
	var list struct{ Id string }
	call(client, "POST", base+"/api/collections/lists/records", auth.Token, map[string]any{"name": "Written during the import"}, &list)

	benchkit.Step(fmt.Sprintf("making a file of %d rows", *n))
	var csv bytes.Buffer
	for i := 1; i <= *n; i++ {
		fmt.Fprintf(&csv, "c%d@i.test,Name %d\n", i, i)
	}
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	part, _ := form.CreateFormFile("file", "clients.csv")
	part.Write(csv.Bytes())
	form.Close()
	log.Printf("   %.1f MiB", float64(body.Len())/(1<<20))

	// the writes are sent on a clock, each in its own goroutine, whether
	// the ones before were answered or not (as users would); a write's
	// latency runs from its tick, so a stall counts in full
	type write struct {
		at      time.Time
		took    time.Duration
		status  int
		failure string
	}
	var (
		mu     sync.Mutex
		writes []write
		wg     sync.WaitGroup
	)
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(*rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case at := <-tick.C:
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := write{at: at}
					b, _ := json.Marshal(map[string]any{"description": fmt.Sprintf("write %d", i)})
					req, _ := http.NewRequest("PATCH", base+"/api/collections/lists/records/"+list.Id, bytes.NewReader(b))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", auth.Token)
					res, err := client.Do(req)
					w.took = time.Since(at)
					if err != nil {
						w.failure = err.Error()
					} else {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						w.status = res.StatusCode
					}
					mu.Lock()
					writes = append(writes, w)
					mu.Unlock()
				}()
			}
		}
	}()

	benchkit.Step(fmt.Sprintf("REST writes alone, %d a second, for 3 s", *rate))
	time.Sleep(3 * time.Second)
	benchkit.Step("the import, with the writes going on")
	req, _ := http.NewRequest("POST", base+"/api/postrider/clients/import", &body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", auth.Token)
	started := time.Now()
	res, err := client.Do(req)
	benchkit.Must(err)
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(started)
	time.Sleep(time.Second) // the writes a stall delayed until the end get answered
	close(stop)
	wg.Wait()

	var report struct{ Rows, Added, Duplicates, Refused int }
	json.Unmarshal(answer, &report)
	if res.StatusCode != 200 {
		log.Printf("the import answered %d: %.500s", res.StatusCode, answer)
	}
	before, during := []time.Duration{}, []time.Duration{}
	failed := 0
	for _, w := range writes {
		if w.status != 200 {
			failed++
			if failed <= 5 {
				log.Printf("   a write failed: status %d %s", w.status, w.failure)
			}
		}
		// a write that was waiting when the import began counts as during it
		switch {
		case w.at.Add(w.took).Before(started):
			before = append(before, w.took)
		case w.at.Before(started.Add(took)):
			during = append(during, w.took)
		}
	}
	slices.SortFunc(writes, func(a, b write) int { return int(b.took - a.took) })
	var longest []string
	for _, w := range writes[:min(5, len(writes))] {
		longest = append(longest, fmt.Sprintf("%.0f ms at %+.2f s", float64(w.took.Microseconds())/1000, w.at.Sub(started).Seconds()))
	}
	log.Printf("   the longest writes (from the import's start): %s", strings.Join(longest, ", "))
	fmt.Printf("\n| measure | value |\n|---|---|\n")
	fmt.Printf("| import answer | %d: %d rows, %d added, %d duplicates, %d refused |\n",
		res.StatusCode, report.Rows, report.Added, report.Duplicates, report.Refused)
	fmt.Printf("| import, upload to answer | %.2f s, %.0f rows/s |\n", took.Seconds(), float64(*n)/took.Seconds())
	fmt.Printf("| REST writes before the import (%d) | p50 %s, p99 %s, max %s |\n", len(before), pct(before, 50), pct(before, 99), pct(before, 100))
	fmt.Printf("| REST writes during the import (%d) | p50 %s, p99 %s, **longest stall %s** |\n", len(during), pct(during, 50), pct(during, 99), pct(during, 100))
	fmt.Printf("| REST writes that failed | %d of %d |\n", failed, len(writes))
	fmt.Printf("| peak RSS of postrider serve | %s |\n", fmt.Sprintf("%.0f MiB", benchkit.MemoryMiB(server.Process.Pid, "VmHWM")))
}

// serve builds postrider from src and starts `postrider serve` on a fresh
// data dir under out with one owner (seed.OwnerEmail), the rate limits off.
func serve(src, out string) (*exec.Cmd, string) {
	bin := benchkit.Build(out, src)
	abs := filepath.Dir(bin)

	dataDir := filepath.Join(abs, "pb_data")
	benchkit.Must(os.RemoveAll(dataDir))
	benchkit.Step("seeding an owner")
	_, err := seed.Mailing(dataDir, 1)
	benchkit.Must(err)
	// one client here sends what many users would: the per-IP rate limits
	// (300 requests in 10 s) are off for the measure
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	app.Settings().RateLimits.Enabled = false
	benchkit.Must(app.Save(app.Settings()))
	benchkit.Must(app.ResetBootstrapState())

	port := benchkit.FreePort()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	benchkit.Step("postrider serve on " + base)
	server := exec.Command(bin, "serve", "--dev=false", "--dir", dataDir, "--http", "127.0.0.1:"+strconv.Itoa(port))
	server.Dir = abs
	// the seeded mailing is due: a cron that never fires keeps the
	// dispatcher out of the measure (February has no 31st)
	server.Env = append(os.Environ(), "POSTRIDER_DISPATCH_CRON=0 0 31 2 *")
	var serverOut bytes.Buffer
	server.Stdout, server.Stderr = &serverOut, &serverOut
	benchkit.Must(server.Start())
	benchkit.WaitHealthy(base, &serverOut)
	return server, base
}

// pct is the p-th percentile of ds, in milliseconds.
func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p+99)/100-1)
	return fmt.Sprintf("%.0f ms", float64(s[max(i, 0)].Microseconds())/1000)
}

// call sends a JSON request and decodes the answer into out; anything but
// 200 ends the benchmark.
func call(client *http.Client, method, url, token string, body, out any) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	benchkit.Must(err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		log.Fatalf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	benchkit.Must(json.Unmarshal(raw, out))
}
