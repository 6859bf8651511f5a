package main

// The pages on a log the dispatcher wrote (issue 29 asks for two data sets:
// the seed's, written by SQL, and one made by really sending). With
// -sent K, the last K of the big sender's mailings get a window due now to all its
// lists, and one `postrider dispatch` pass sends them through postfix's
// smtp-sink: every delivery claimed, sent and recorded as in use, its
// indexes grown as sending grows them.
//
//	go run ./bench pages -deliveries 100 -sent 10   # 10 × ~980,000 deliveries by sending

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/seed"
)

// sendMailings makes the last k of set's mailings (the pages read the
// last) due now to every list of the big sender, and sends them with bin's
// `postrider dispatch` into smtp-sink (fetched into work as the dispatch
// benchmark fetches it). It returns how many deliveries it sent.
func sendMailings(bin, work, dataDir string, set seed.Pages, k int) int {
	if k > len(set.Mailings) {
		log.Fatalf("-sent %d: the big sender has %d mailings", k, len(set.Mailings))
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	now := types.NowDateTime()
	for i, m := range set.Mailings[len(set.Mailings)-k:] {
		p := dbx.Params{"m": m, "owner": set.User, "id": fmt.Sprintf("pz%013d", i),
			"opened": now.Add(-5 * time.Minute).String(), "ends": now.Add(24 * time.Hour).String()}
		_, err := app.DB().NewQuery(`UPDATE mailings SET status = 'created',
			lists = (SELECT json_group_array(id) FROM (SELECT id FROM lists WHERE owner = {:owner} ORDER BY id)) WHERE id = {:m}`).Bind(p).Execute()
		benchkit.Must(err)
		_, err = app.DB().NewQuery(`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, next_run_at, last_run_at, created, updated)
			VALUES ({:id}, {:m}, {:opened}, {:ends}, 'once', {:opened}, '', {:opened}, {:opened})`).Bind(p).Execute()
		benchkit.Must(err)
	}
	benchkit.Must(app.ResetBootstrapState())

	sink, _ := postfixTools(work)
	sinkCmd, port := startSink(work, sink)
	defer sinkCmd.Process.Kill()
	benchkit.Step(fmt.Sprintf("postrider dispatch: %d mailings to every client of the big sender, into smtp-sink", k))
	cmd := exec.Command(bin, "dispatch", "--dir", dataDir)
	cmd.Env = sinkEnv(port, 50)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	started := time.Now()
	benchkit.Run(cmd)

	app = core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	benchkit.Must(app.Bootstrap())
	defer app.ResetBootstrapState()
	var sent, total int
	benchkit.Must(app.DB().NewQuery("SELECT COALESCE(SUM(sent), 0), COALESCE(SUM(total), 0) FROM runs WHERE schedule GLOB 'pz*'").Row(&sent, &total))
	log.Printf("   %d of %d deliveries sent in %.0f s", sent, total, time.Since(started).Seconds())
	if abs, err := filepath.Abs(dataDir); err == nil {
		log.Printf("   the data dir: %s", abs)
	}
	return sent
}
