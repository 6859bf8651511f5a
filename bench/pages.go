package main

// go run ./bench pages: every page's API calls, as the web app makes them
// (pb_public/js/views/*.js), on issue 11's data set (internal/seed
// PagesData; -clients and -deliveries size the big sender's part: issue
// 29's is 1,000,000 and 10,000,000), 20 times each as the big sender or,
// for the moderators' pages, as a moderator, against a real `postrider
// serve`; then both exports. Prints median and p95 per call and the
// server's RSS.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
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

// a page's call: one request or a few the page sends together
type pageCall struct {
	name string
	urls []string // sent at once, as the page's Promise.all does
	post any      // when set, the one url is POSTed this body
}

func pages(args []string) {
	fs := flag.NewFlagSet("pages", flag.ExitOnError)
	out := fs.String("out", "bench/out/pages", "work folder (binary, data dir)")
	src := fs.String("src", ".", "the source tree to build postrider from")
	times := fs.Int("times", 20, "times each call is made")
	reseed := fs.Bool("reseed", true, "seed a fresh data dir (false: reuse the one in -out, copied from a seeded one)")
	clients := fs.Int("clients", seed.PagesClients, "the big sender's clients")
	deliveries := fs.Int("deliveries", seed.PagesDeliveries, "the big sender's deliveries (a multiple of 100)")
	sent := fs.Int("sent", 0, "after a fresh seed, this many of the big sender's mailings sent by `postrider dispatch` to every client into smtp-sink (pages_sent.go)")
	fs.Parse(args)
	size := seed.PagesSize{Clients: *clients, Deliveries: *deliveries}

	bin := benchkit.Build(*out, *src)
	abs := filepath.Dir(bin)

	dataDir := filepath.Join(abs, "pb_data")
	var set seed.Pages
	if *reseed {
		benchkit.Must(os.RemoveAll(dataDir))
		benchkit.Step(fmt.Sprintf("seeding 100 users and a moderator; the big sender's %d clients and %d deliveries, %d of the others",
			size.Clients, size.Deliveries, seed.PagesOthers*seed.PagesOtherEach))
		started := time.Now()
		var err error
		set, err = seed.PagesData(dataDir, size)
		benchkit.Must(err)
		log.Printf("   %.0f s", time.Since(started).Seconds())
	}
	// the per-IP rate limits are off: one client here sends what many would
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	app.Settings().RateLimits.Enabled = false
	benchkit.Must(app.Save(app.Settings()))
	if !*reseed {
		benchkit.Must(app.DB().NewQuery("SELECT id FROM users WHERE email = {:e}").Bind(map[string]any{"e": seed.OwnerEmail}).Row(&set.User))
		benchkit.Must(app.DB().NewQuery("SELECT id FROM lists WHERE owner = {:o} ORDER BY id").Bind(map[string]any{"o": set.User}).Column(&set.Lists))
		benchkit.Must(app.DB().NewQuery("SELECT id FROM mailings WHERE owner = {:o} ORDER BY id").Bind(map[string]any{"o": set.User}).Column(&set.Mailings))
	}
	benchkit.Must(app.ResetBootstrapState())
	if *sent > 0 && *reseed {
		size.Deliveries += sendMailings(bin, abs, dataDir, set, *sent)
	}

	server, base := serveForPages(bin, dataDir)
	defer server.Process.Kill()
	idle := benchkit.MemoryMiB(server.Process.Pid, "VmRSS")

	c, mod := loggedIn(base, seed.OwnerEmail), loggedIn(base, seed.ModeratorEmail)

	fmt.Printf("\n| call | median | p95 |\n|---|---|---|\n")
	for _, pc := range pageCalls(set, c) {
		var took []time.Duration
		for range *times {
			start := time.Now()
			var wg sync.WaitGroup
			who := c
			if strings.HasPrefix(pc.name, "moderators: ") { // the moderators' pages
				who = mod
			}
			for _, u := range pc.urls {
				wg.Go(func() {
					if pc.post != nil {
						who.do("POST", u, pc.post, nil)
					} else {
						who.do("GET", u, nil, nil)
					}
				})
			}
			wg.Wait()
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		fmt.Printf("| %s | %s | %s |\n", pc.name, ms(benchkit.Percentile(took, 50)), ms(benchkit.Percentile(took, 95)))
	}

	for _, ex := range exports(c, size) {
		start := time.Now()
		rows := ex.run()
		fmt.Printf("| export: %s | %d rows in %.2f s | |\n", ex.name, rows, time.Since(start).Seconds())
	}
	fmt.Printf("| server RSS: idle at start / peak / after | %.0f / %.0f / %.0f MiB | |\n",
		idle, benchkit.MemoryMiB(server.Process.Pid, "VmHWM"), benchkit.MemoryMiB(server.Process.Pid, "VmRSS"))
}

// pageCalls are the requests of every page (see pb_public/js/views).
func pageCalls(set seed.Pages, c *client) []pageCall {
	f := func(expr string) string { return url.QueryEscape(expr) }
	m := set.Mailings[len(set.Mailings)-1]
	rec := func(collection, query string) string {
		return "/api/collections/" + collection + "/records?" + query
	}
	full := func(collection, filter, sort string) string { // getFullList's first batch
		return rec(collection, "page=1&perPage=500&skipTotal=1&filter="+f(filter)+"&sort="+sort)
	}
	logsPage := func(query string) string { return "/api/postrider/deliveries/log?page=1&perPage=20&" + query }
	// page n as the pager asks for it after n-1 Nexts: after the last row
	// of page n-1 (found here by its number, untimed)
	deepLog := func(query string, n int) string {
		var before struct{ Items []struct{ ID string } }
		c.do("GET", strings.Replace(logsPage(query), "page=1&", "page="+strconv.Itoa(n-1)+"&", 1), nil, &before)
		if len(before.Items) == 0 {
			return strings.Replace(logsPage(query), "page=1&", "page="+strconv.Itoa(n)+"&", 1)
		}
		return strings.Replace(logsPage(query), "page=1&", "page="+strconv.Itoa(n)+"&after="+before.Items[len(before.Items)-1].ID+"&", 1)
	}
	week := time.Now().AddDate(0, 0, -7).Format("2006-01-02")
	today := time.Now().Format("2006-01-02")
	monthAgo := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	return []pageCall{
		{"home: stats", []string{"/api/postrider/stats"}, nil},
		{"mailings: summary", []string{"/api/postrider/mailings/summary"}, nil},
		{"mailing: record, windows, runs", []string{"/api/collections/mailings/records/" + m,
			full("schedules", "mailing = '"+m+"'", "starts_at"), full("runs", "mailing = '"+m+"'", "-run_at")}, nil},
		{"mailing: log page 1", []string{logsPage("mailing=" + m)}, nil},
		{"mailing: log page 500", []string{deepLog("mailing="+m, 500)}, nil},
		{"edit form: lists", []string{full("lists", "", "name")}, nil},
		{"edit form: reach count (2 lists)", []string{"/api/postrider/mailings/reach"}, map[string]any{"lists": set.Lists[:2], "clients": []string{}}},
		// (client77 starts 11,111 clients' emails' words, all in one stretch of
		// the email order: a broad search, walked to that stretch)
		{"edit form: client picker", []string{"/api/postrider/clients/page?perPage=10&q=client77"}, nil},
		{"edit form: client picker, client7777 (111 matches)", []string{"/api/postrider/clients/page?perPage=10&q=client7777"}, nil},
		{"logs: mailings", []string{full("mailings", "owner = '"+set.User+"'", "subject")}, nil},
		{"logs: table", []string{logsPage("")}, nil},
		{"logs: chart", []string{"/api/postrider/deliveries/daily?"}, nil},
		{"logs: table, status failed", []string{logsPage("status=failed")}, nil},
		{"logs: table, status pending", []string{logsPage("status=pending")}, nil},
		{"logs: table, one mailing", []string{logsPage("mailing=" + m)}, nil},
		{"logs: chart, one mailing", []string{"/api/postrider/deliveries/daily?mailing=" + m}, nil},
		{"logs: table, last 7 days", []string{logsPage("from=" + week + "&to=" + today)}, nil},
		{"logs: chart, last 7 days", []string{"/api/postrider/deliveries/daily?from=" + week + "&to=" + today}, nil},
		{"logs: table, one mailing, last 7 days", []string{logsPage("mailing=" + m + "&from=" + week + "&to=" + today)}, nil},
		{"logs: table, last 7 days, failed", []string{logsPage("status=failed&from=" + week + "&to=" + today)}, nil},
		{"logs: table page 2000", []string{deepLog("", 2000)}, nil},
		{"clients: page 1", []string{"/api/postrider/clients/page?page=1&perPage=50"}, nil},
		{"clients: page 1500", []string{"/api/postrider/clients/page?page=1500&perPage=50"}, nil},
		{"clients: search", []string{"/api/postrider/clients/page?page=1&perPage=50&q=client4242"}, nil},
		{"clients: search, 1,111 matches", []string{"/api/postrider/clients/page?page=1&perPage=50&q=client777"}, nil},
		// broad searches (over 10,000 matches): walked in the page's order
		{"clients: search, one letter", []string{"/api/postrider/clients/page?page=1&perPage=50&q=c"}, nil},
		{"clients: search, every client (example)", []string{"/api/postrider/clients/page?page=1&perPage=50&q=example"}, nil},
		{"clients: search, every client, page 2", []string{"/api/postrider/clients/page?page=2&perPage=50&q=example"}, nil},
		{"clients: search, 1 in 7 (met fair)", []string{"/api/postrider/clients/page?page=1&perPage=50&q=met+fair"}, nil},
		{"clients: one list", []string{"/api/postrider/clients/page?page=1&perPage=50&list=" + set.Lists[3]}, nil},
		// the exports before their routes: getFullList in batches of 500; the last batch
		{"old log export: the batch at offset 999,500", []string{rec("deliveries", "page=2000&perPage=500&skipTotal=1&sort=-sent_at,-updated")}, nil},
		{"lists: lists and counts", []string{full("lists", "", "name"), "/api/postrider/lists/counts"}, nil},
		{"home: a post", []string{"/api/postrider/posts/random"}, nil},
		{"calendar: a month", []string{"/api/postrider/calendar?from=" + monthAgo + "&to=" + today}, nil},
		{"senders", []string{full("senders", "", "name,email")}, nil},
		{"domains", []string{full("domains", "", "domain")}, nil},
		{"moderators: dashboard", []string{"/api/postrider/stats"}, nil},
		{"moderators: users", []string{"/api/postrider/moderation/users?page=1&perPage=20&sort=email&q="}, nil},
		{"moderators: mailings", []string{"/api/postrider/moderation/mailings?page=1&perPage=20&q="}, nil},
		{"moderators: the big sender's mailings", []string{"/api/postrider/moderation/mailings?page=1&perPage=20&q=&owner=" + set.User}, nil},
		{"moderators: a mailing", []string{"/api/collections/mailings/records/" + m + "?expand=owner,stopped_by",
			full("schedules", "mailing = '"+m+"'", "starts_at"), full("runs", "mailing = '"+m+"'", "-run_at")}, nil},
		{"moderators: log", []string{rec("moderation_log", "page=1&perPage=20&sort=-created&expand=moderator,user,mailing")}, nil},
		{"moderators: approvals", []string{"/api/postrider/moderation/approvals?page=1&perPage=10"}, nil},
		{"moderators: calendar, everyone", []string{"/api/postrider/calendar?all=1&from=" + monthAgo + "&to=" + today}, nil},
	}
}

type export struct {
	name string
	run  func() int // rows
}

// exports are the two CSV downloads.
func exports(c *client, size seed.PagesSize) []export {
	return []export{
		{fmt.Sprintf("log, all %d", size.Deliveries), func() int { return c.lines("/api/postrider/deliveries/export") - 1 }},
		{fmt.Sprintf("clients, all %d", size.Clients), func() int { return c.lines("/api/postrider/clients/export") - 1 }},
		{"clients, a broad search (q=example)", func() int { return c.lines("/api/postrider/clients/export?q=example") - 1 }},
	}
}

type client struct {
	http        *http.Client
	base, token string
}

func (c *client) request(method, path string, body any) *http.Response {
	res := c.try(method, path, body)
	if res.StatusCode >= 300 {
		raw, _ := io.ReadAll(res.Body)
		// a panic, not log.Fatal: pages' deferred Kill of the server runs
		log.Panicf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res
}

func (c *client) try(method, path string, body any) *http.Response {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		log.Panic(err) // (the server killed on the way out, as above)
	}
	return res
}

func (c *client) do(method, path string, body, out any) {
	res := c.request(method, path, body)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			log.Panic(err)
		}
	}
}

// lines reads a streamed answer to its end and counts its lines (0 when
// the route is missing).
func (c *client) lines(path string) int {
	res := c.try("GET", path, nil)
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return 1
	}
	n, buf := 0, make([]byte, 1<<16)
	for {
		k, err := res.Body.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", d.Seconds()*1000) }

// serveForPages starts postrider serve (bin) on dataDir at a free port on
// loopback, with a dispatcher that never fires, and waits until it answers.
func serveForPages(bin, dataDir string) (*exec.Cmd, string) {
	port := benchkit.FreePort()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	benchkit.Step("postrider serve on " + base)
	server := exec.Command(bin, "serve", "--dev=false", "--dir", dataDir, "--http", "127.0.0.1:"+strconv.Itoa(port))
	server.Dir = filepath.Dir(bin)
	server.Env = append(os.Environ(), "POSTRIDER_DISPATCH_CRON=0 0 31 2 *") // a cron that never fires
	var serverOut bytes.Buffer
	server.Stdout, server.Stderr = &serverOut, &serverOut
	benchkit.Must(server.Start())
	benchkit.WaitHealthy(base, &serverOut)
	return server, base
}

// loggedIn is a client of base logged in as a seeded user (email).
func loggedIn(base, email string) *client {
	c := &client{http: &http.Client{Timeout: 30 * time.Minute}, base: base}
	var auth struct{ Token string }
	c.do("POST", "/api/collections/users/auth-with-password", map[string]any{"identity": email, "password": seed.OwnerPassword}, &auth)
	c.token = auth.Token
	return c
}
