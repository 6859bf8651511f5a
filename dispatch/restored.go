package dispatch

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"
)

// checkRestored compares the database's generation with the witness's
// (generation.go) before a pass claims or sends anything:
//   - no witness and a generation of 0: a new or upgraded install; the
//     witness is written;
//   - the database ahead: a process died between its two writes; the
//     witness catches up;
//   - the witness ahead, or missing while the database has sent before:
//     the database was put back from a copy (or data.db moved without its
//     witness). What may have gone out after the copy is held until
//     someone resumes it (hold), then both take a number above either.
func (p *pass) checkRestored(now time.Time) error {
	d, err := readDBGeneration(p.app)
	if err != nil {
		return fmt.Errorf("reading the dispatch generation: %w", err)
	}
	w, ok, err := readWitness(p.app.DataDir())
	if err != nil {
		return fmt.Errorf("reading %s: %w", witnessName, err)
	}
	switch {
	case ok && w == d.N:
		return nil
	case ok && w < d.N, !ok && d.N == 0:
		return writeWitness(p.app.DataDir(), d.N)
	}
	if err := p.hold(d, w, ok, now); err != nil {
		return fmt.Errorf("holding the runs of a restored database: %w", err)
	}
	return setGeneration(p.app, max(d.N, w)+1, now)
}

// heldRun is an unfinished run with messages logged pending.
type heldRun struct {
	ID      string `db:"id"`
	Mailing string `db:"mailing"`
	Stopped bool   `db:"stopped"`
	Pending int    `db:"pending"`
	// still claiming: the copy lacks deliveries that may have been
	// written, and sent, after it (claim_chunks.go)
	Claiming bool `db:"claiming"`
}

// hold pauses every unfinished run with pending messages, saying that
// they may have gone out after the copy, and stops every mailing that has
// such a run or a window due (its occurrence may have been sent after the
// copy), unless it is stopped already (a moderator's stop keeps its
// moderator and reason). Only a resume by the owner, a moderator or a
// superuser lets them send again (syncRuns then takes the runs up). It
// tells the superuser in the log and on stderr. Each write is a save of
// its own: no long transaction.
func (p *pass) hold(d dbGeneration, w int64, witness bool, now time.Time) error {
	copied := "an earlier copy"
	if at, err := types.ParseDateTime(d.At); err == nil && !at.IsZero() {
		copied = "a copy made at " + at.Time().UTC().Format("2006-01-02 15:04 UTC") + " or later"
	}
	var runs []heldRun
	err := p.app.DB().NewQuery(`
		SELECT r.id, r.mailing, m.stopped, r.claiming,
		       (SELECT COUNT(*) FROM deliveries d WHERE d.run = r.id AND d.status = '` + deliveryPending + `') AS pending
		FROM runs r JOIN mailings m ON m.id = r.mailing
		WHERE r.status IN ('` + runSending + `', '` + runPaused + `', '` + runWaiting + `')`).All(&runs)
	if err != nil {
		return err
	}
	toStop := map[string]bool{}
	var held, pending int
	for _, hr := range runs {
		if hr.Pending == 0 && !hr.Claiming {
			continue // nothing of it can go out again
		}
		run, err := p.app.FindRecordById("runs", hr.ID)
		if err != nil {
			return err
		}
		run.Set("status", runPaused)
		run.Set("note", fmt.Sprintf("The database was restored from %s: %d messages of this run are logged pending "+
			"but may have gone out after that copy. Resuming the mailing sends them (some recipients may get a second copy).",
			copied, hr.Pending))
		if err := p.app.Save(run); err != nil {
			return err
		}
		held++
		pending += hr.Pending
		if !hr.Stopped {
			toStop[hr.Mailing] = true
		}
	}

	var due []string
	err = p.app.DB().NewQuery(`
		SELECT DISTINCT m.id FROM schedules s JOIN mailings m ON m.id = s.mailing
		WHERE s.next_run_at != '' AND s.next_run_at <= {:now} AND m.stopped = FALSE AND m.status != '` + statusCompleted + `'`).
		Bind(dbx.Params{"now": dbTime(now)}).Column(&due)
	if err != nil {
		return err
	}
	var dueOnly int
	for _, id := range due {
		if !toStop[id] {
			toStop[id] = true
			dueOnly++
		}
	}
	reason := fmt.Sprintf("Stopped by the server: its database was restored from %s, and messages of this mailing "+
		"may have gone out after that copy. Resume it to send what is due and what is logged pending "+
		"(some recipients may get a second copy).", copied)
	for id := range toStop {
		m, err := p.app.FindRecordById("mailings", id)
		if err != nil {
			return err
		}
		m.Set("stopped", true)
		m.Set("stopped_by", "")
		m.Set("stop_reason", reason)
		// only the stop changes: what else the mailing holds was valid
		// when it was saved, and must not keep the hold from being saved
		if err := p.app.SaveNoValidate(m); err != nil {
			return err
		}
	}

	witnessSaid := fmt.Sprintf("pb_data/%s says %d", witnessName, w)
	if !witness {
		witnessSaid = fmt.Sprintf("pb_data/%s is missing", witnessName)
	}
	msg := fmt.Sprintf("The database was restored from %s (its dispatch generation is %d; %s); "+
		"held until their owner, a moderator or a superuser resumes them: runs held: %d (%d messages logged pending "+
		"that may have gone out after the copy); mailings stopped: %d (%d for a window due only)",
		copied, d.N, witnessSaid, held, pending, len(toStop), dueOnly)
	p.log.Error(msg, slog.Int("runs", held), slog.Int("pending", pending), slog.Int("mailings", len(toStop)))
	fmt.Fprintf(os.Stderr, "%s postrider: %s\n", time.Now().Format(time.DateTime), msg)
	return nil
}
