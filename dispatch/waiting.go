package dispatch

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"postrider/internal/lifecycle"
)

// wait parks a run whose owner reached their daily limit (quota.go): it
// is waiting, its note says why and until when, and its next_try_at is
// the owner's next midnight, for serve's timer to wake a pass then
// (wake.go). Its pending deliveries stay pending: nothing fails.
func (s *runSender) wait() error {
	now := s.p.opts.Now()
	s.p.quotas.mu.Lock()
	q, err := s.p.quotaOf(s.owner(), now, false)
	s.p.quotas.mu.Unlock()
	if err != nil {
		s.saveCounters()
		return err
	}
	s.run.Set("status", runWaiting)
	s.run.Set("note", waitingNote(q.limit))
	s.run.Set("next_try_at", dbTime(nextMidnight(now, q.loc)))
	s.saveCounters()
	s.p.log.Info("Run waits for its owner's next day: the daily limit is reached", slog.String("run", s.run.Id),
		slog.String("owner", s.owner()), slog.Int("daily_limit", q.limit))
	return nil
}

// waitingNote is a waiting run's note: "daily limit of 1,000 reached; the
// rest goes out from 00:00 your time". The web app says it in the
// reader's language from the run's status and its owner's limit.
func waitingNote(limit int) string {
	return fmt.Sprintf("daily limit of %s reached; the rest goes out from 00:00 your time", grouped(limit))
}

// grouped writes n with commas between thousands: 1,000.
func grouped(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// resumeWaiting sets sending again each waiting run, of a mailing that may
// send, whose owner's day has room again: a new day has begun, or the
// limit was raised or cleared. Its next try is now, so that a pass that
// sent it already today starts it again (retriesDue). A run whose time
// came without room (its owner moved to a zone whose day is used up
// already) waits for the owner's next midnight in that zone instead, so
// that serve's timer does not fire again at once.
func (p *pass) resumeWaiting(now time.Time) error {
	var runs []struct {
		ID      string `db:"id"`
		Owner   string `db:"owner"`
		NextTry string `db:"next_try_at"`
	}
	err := p.app.DB().NewQuery(`
		SELECT r.id, r.owner, r.next_try_at FROM runs r
		JOIN mailings m ON m.id = r.mailing
		JOIN users u ON u.id = m.owner
		WHERE r.status = '` + runWaiting + `' AND ` + lifecycle.RunMaySend).All(&runs)
	if err != nil || len(runs) == 0 {
		return err
	}
	for _, r := range runs {
		p.quotas.mu.Lock()
		q, err := p.quotaOf(r.Owner, now, true)
		room := err == nil && (q.limit == 0 || q.used+q.reserved < q.limit)
		p.quotas.mu.Unlock()
		if err != nil {
			return err
		}
		if !room && r.NextTry > dbTime(now) {
			continue
		}
		run, err := p.app.FindRecordById("runs", r.ID)
		if err != nil {
			return err
		}
		if !room {
			run.Set("next_try_at", dbTime(nextMidnight(now, q.loc)))
			if err := p.app.Save(run); err != nil {
				return err
			}
			continue
		}
		run.Set("status", runSending)
		run.Set("note", "")
		run.Set("next_try_at", dbTime(now))
		if err := p.app.Save(run); err != nil {
			return err
		}
		p.log.Info("Waiting run goes on: its owner's day has room", slog.String("run", r.ID))
	}
	return nil
}
