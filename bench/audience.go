package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

// audience times the two requests that name a mailing's audience, the
// reach count and the draft preview, for a user with 1,000,000 clients in
// 100 lists (go run ./bench audience).
func audience(args []string) {
	fs := flag.NewFlagSet("audience", flag.ExitOnError)
	out := fs.String("out", "bench/out/audience", "work folder (binary, data dir)")
	src := fs.String("src", ".", "the source tree to build postrider from")
	times := fs.Int("times", 20, "times each call is made")
	reseed := fs.Bool("reseed", true, "seed a fresh data dir (false: reuse the one in -out)")
	fs.Parse(args)

	bin := benchkit.Build(*out, *src)
	abs := filepath.Dir(bin)

	dataDir := filepath.Join(abs, "pb_data")
	var lists []string
	if *reseed {
		benchkit.Must(os.RemoveAll(dataDir))
		benchkit.Step("seeding 1,000,000 clients in 100 lists")
		started := time.Now()
		_, _, err := seed.AudienceData(dataDir)
		benchkit.Must(err)
		log.Printf("   %.0f s", time.Since(started).Seconds())
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	benchkit.Must(app.DB().NewQuery("SELECT id FROM lists ORDER BY id").Column(&lists))
	app.Settings().RateLimits.Enabled = false
	benchkit.Must(app.Save(app.Settings()))
	var clients []string
	benchkit.Must(app.DB().NewQuery("SELECT id FROM clients ORDER BY id LIMIT 2000").Column(&clients))
	benchkit.Must(app.ResetBootstrapState())

	server, base := serveForPages(bin, dataDir)
	defer server.Process.Kill()

	c := loggedIn(base, seed.OwnerEmail)

	// 1.1 MiB of ids, as issue 22 sent: every list and picked client named
	// over and over
	var repeatedLists, repeatedClients []string
	for len(repeatedLists)*18 < 550<<10 {
		repeatedLists = append(repeatedLists, lists...)
		repeatedClients = append(repeatedClients, clients[:100]...)
	}
	draft := func(lists, clients []string) map[string]any {
		return map[string]any{"subject": "Hi {{name}}", "body": "<p>Dear {{name|friend}}</p>", "lists": lists, "clients": clients}
	}
	calls := []struct {
		name, url string
		body      map[string]any
	}{
		{"reach: 100 lists", "/api/postrider/mailings/reach", map[string]any{"lists": lists, "clients": []string{}}},
		{"reach: 2 lists", "/api/postrider/mailings/reach", map[string]any{"lists": lists[:2], "clients": []string{}}},
		{"reach: 100 lists and 2,000 clients", "/api/postrider/mailings/reach", map[string]any{"lists": lists, "clients": clients}},
		{"reach: 1.1 MiB of repeated ids", "/api/postrider/mailings/reach", map[string]any{"lists": repeatedLists, "clients": repeatedClients}},
		{"draft preview: 100 lists", "/api/postrider/mailings/preview", draft(lists, nil)},
		{"draft preview: 2 lists", "/api/postrider/mailings/preview", draft(lists[:2], nil)},
		{"draft preview: 1 list", "/api/postrider/mailings/preview", draft(lists[:1], nil)},
		{"draft preview: 100 lists and 2,000 clients", "/api/postrider/mailings/preview", draft(lists, clients)},
		{"draft preview: 1.1 MiB of repeated ids", "/api/postrider/mailings/preview", draft(repeatedLists, repeatedClients)},
	}
	fmt.Printf("\n| call (1,000,000 clients in 100 lists) | answer | median | p95 |\n|---|---|---|---|\n")
	for _, call := range calls {
		var took []time.Duration
		var answer string
		for range *times {
			start := time.Now()
			res := c.try("POST", call.url, call.body)
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			took = append(took, time.Since(start))
			answer = fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(raw)))
		}
		slices.Sort(took)
		if len(answer) > 60 {
			answer = answer[:60] + "…"
		}
		fmt.Printf("| %s | `%s` | %s | %s |\n", call.name, answer, ms(benchkit.Percentile(took, 50)), ms(benchkit.Percentile(took, 95)))
	}
}
