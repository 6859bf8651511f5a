package main

// go run ./bench relays -n 100000
//
// The same mailing sent by `postrider dispatch` through one smtp-sink relay
// and through two (the settings' server and a row of `relays`), in the same
// run: first with no rate limit (on loopback postrider's own CPU is the
// limit, so two relays may gain nothing), then with each relay limited to
// -rate messages a second, as real relays are, where a second relay should
// double the rate.

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

func relays(args []string) {
	fs := flag.NewFlagSet("relays", flag.ExitOnError)
	n := fs.Int("n", 100000, "clients in the mailing's list")
	conns := fs.Int("connections", 20, "connections of each relay (POSTRIDER_DISPATCH_WORKERS for the settings' one)")
	rate := fs.Float64("rate", 2000, "messages a second of each relay in the limited runs (0: skip them)")
	out := fs.String("out", "bench/out", "work folder (postfix tools, binary, data dir)")
	fs.Parse(args)
	log.SetFlags(0)

	bin := benchkit.Build(*out, ".")
	abs := filepath.Dir(bin)
	sink, _ := postfixTools(abs)

	// two sinks, one per relay
	var ports [2]int
	for i := range ports {
		var cmd *exec.Cmd
		cmd, ports[i] = startSink(abs, sink)
		defer cmd.Process.Kill()
	}

	type result struct {
		label   string
		took    time.Duration
		sent    int
		byRelay map[string]int
	}
	var results []result
	measure := func(label string, two bool, limit float64) {
		dataDir := filepath.Join(abs, "relays_data")
		benchkit.Must(os.RemoveAll(dataDir))
		benchkit.Step(fmt.Sprintf("%s: seeding %d clients", label, *n))
		_, err := seed.Mailing(dataDir, *n)
		benchkit.Must(err)
		if two {
			addRelayRow(dataDir, ports[1], *conns, limit)
		}
		benchkit.Step(label + ": postrider dispatch")
		cmd := exec.Command(bin, "dispatch", "--dir", dataDir)
		cmd.Env = append(sinkEnv(ports[0], *conns), "POSTRIDER_DISPATCH_RATE="+strconv.FormatFloat(limit, 'f', -1, 64))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		started := time.Now()
		benchkit.Must(cmd.Run())
		r := result{label: label, took: time.Since(started)}
		r.sent, r.byRelay = sentByRelay(dataDir)
		results = append(results, r)
	}
	measure("one relay, no rate limit", false, 0)
	measure("two relays, no rate limit", true, 0)
	if *rate > 0 {
		measure(fmt.Sprintf("one relay at %g/s", *rate), false, *rate)
		measure(fmt.Sprintf("two relays at %g/s each", *rate), true, *rate)
	}

	fmt.Printf("\n| run (%d connections a relay) | sent | time | messages/s | by relay |\n|---|---|---|---|---|\n", *conns)
	for _, r := range results {
		var parts []string
		for name, c := range r.byRelay {
			parts = append(parts, fmt.Sprintf("%s %d", name, c))
		}
		fmt.Printf("| %s | %d of %d | %.2f s | %.0f | %s |\n", r.label, r.sent, *n, r.took.Seconds(),
			float64(r.sent)/r.took.Seconds(), strings.Join(parts, ", "))
	}
}

// addRelayRow puts the second sink in the data dir's relays.
func addRelayRow(dataDir string, port, conns int, rate float64) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	col, err := app.FindCollectionByNameOrId("relays")
	benchkit.Must(err)
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"name": "second", "host": "127.0.0.1", "port": port, "tls": "none",
		"connections": conns, "rate": rate, "weight": 1, "enabled": true,
	})
	benchkit.Must(app.Save(r))
}

// sentByRelay counts the deliveries sent, and by relay.
func sentByRelay(dataDir string) (int, map[string]int) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	var rows []struct {
		Relay string `db:"relay"`
		N     int    `db:"n"`
	}
	benchkit.Must(app.DB().NewQuery(`SELECT relay, COUNT(*) AS n FROM deliveries WHERE status = 'sent' GROUP BY relay ORDER BY relay`).All(&rows))
	total, by := 0, map[string]int{}
	for _, r := range rows {
		total += r.N
		by[r.Relay] = r.N
	}
	return total, by
}
