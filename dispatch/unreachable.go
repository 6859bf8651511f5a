package dispatch

import (
	"log/slog"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/smtpclient"
)

// unreachableNote starts the note of a run whose pass found no mail server
// it could use: the owner sees why nothing moves (smtpclient.Explain: the kind of
// failure, never the server's address), the server's log has the rest.
const unreachableNote = "Not sent yet: "

func unreachableNoteOf(err error) string {
	return unreachableNote + smtpclient.Explain(err) + ". What is not sent yet waits for the next try."
}

// noteUnreachable says so on every sending run, once their senders ended.
func (p *pass) noteUnreachable(err error) {
	runs, qErr := p.app.FindRecordsByFilter("runs", "status = '"+runSending+"'", "", 0, 0)
	if qErr != nil {
		p.log.Error("Failed to read the runs to note an unreachable server", slog.String("error", qErr.Error()))
		return
	}
	note := unreachableNoteOf(err)
	for _, run := range runs {
		if run.GetString("note") == note {
			continue
		}
		run.Set("note", note)
		if err := p.app.Save(run); err != nil {
			p.log.Error("Failed to note an unreachable server on a run", slog.String("run", run.Id), slog.String("error", err.Error()))
		}
	}
}

// clearUnreachable takes the note off runs about to be tried again.
func (p *pass) clearUnreachable(runs []*core.Record) error {
	for _, run := range runs {
		if strings.HasPrefix(run.GetString("note"), unreachableNote) {
			run.Set("note", "")
			if err := p.app.Save(run); err != nil {
				return err
			}
		}
	}
	return nil
}
