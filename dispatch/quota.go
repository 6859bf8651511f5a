package dispatch

import (
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/schedule"
)

// A user's daily limit (users.daily_limit, DESIGN.md "Trust and limits";
// 0 = none) caps the messages their mailings send in one of their days,
// from 00:00 in users.timezone. A delivery counts once, on the day of its
// first try, whatever came of it (sent, refused, or tried again later),
// unless it was skipped unsent (skip.go); the later tries of a delivery
// counted already are not counted again.
//
// The count is exact with workers in parallel: a worker reserves one
// message of the owner's day when it takes a first try (admit), before
// anything goes out, and the reservation becomes a count in the same
// transaction that records the outcome (save), or is given back when the
// job is not sent. One pass at a time holds the data dir (lock.go), so no
// other process sends for the owner meanwhile. The day's count lives in
// _postrider_daily_sends, one row per owner and day: one lookup, however
// many deliveries the owner has.

// errWaiting means a run's owner has reached their daily limit: the run
// waits for the owner's next midnight (wait).
var errWaiting = errors.New("waiting for the daily limit")

// quotas are the owners' days as this pass knows them.
type quotas struct {
	mu     sync.Mutex
	owners map[string]*quota
}

// quota is one owner's day: the limit, the messages counted in the
// database, and those reserved by workers and not yet recorded.
type quota struct {
	limit    int
	tz       string
	loc      *time.Location
	day      string
	used     int
	reserved int
	read     time.Time // when limit and used were read
	saves    uint64    // the pass's saves count then (stop.go)
}

// dayOf is the owner's day at t, as _postrider_daily_sends keys it.
func dayOf(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(time.DateOnly)
}

// nextMidnight is 00:00 of the owner's next day after t.
func nextMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// quotaOf reads an owner's limit, zone and the day's count at now, when
// not read yet, stale (fresh, or a user saved in this process since), a
// new day, or force; the quotas' lock held.
func (p *pass) quotaOf(owner string, now time.Time, force bool) (*quota, error) {
	if p.quotas.owners == nil {
		p.quotas.owners = map[string]*quota{}
	}
	q := p.quotas.owners[owner]
	saves := p.saves.Load()
	if q != nil && !force && q.saves == saves && time.Since(q.read) < fresh && q.day == dayOf(now, q.loc) {
		return q, nil
	}
	var u struct {
		Limit    int    `db:"daily_limit"`
		Timezone string `db:"timezone"`
	}
	if err := p.app.DB().NewQuery(`SELECT daily_limit, timezone FROM users WHERE id = {:id}`).
		Bind(dbx.Params{"id": owner}).One(&u); err != nil {
		return nil, err
	}
	if q == nil {
		q = &quota{}
		p.quotas.owners[owner] = q
	}
	if q.loc == nil || q.tz != u.Timezone { // loading a zone reads the tz database
		q.loc, q.tz = schedule.Zone(u.Timezone), u.Timezone
	}
	q.limit, q.read, q.saves = u.Limit, time.Now(), saves
	q.day = dayOf(now, q.loc)
	used, err := sentOn(p.app, owner, q.day)
	if err != nil {
		return nil, err
	}
	q.used = used
	return q, nil
}

// sentOn reads how many messages an owner's mailings sent on day.
func sentOn(app core.App, owner, day string) (int, error) {
	var n int
	err := app.DB().NewQuery(`SELECT sent FROM _postrider_daily_sends WHERE owner = {:owner} AND day = {:day}`).
		Bind(dbx.Params{"owner": owner, "day": day}).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// SentToday reads how many messages a user's mailings sent today, in the
// user's zone (the home page's sent_today).
func SentToday(app core.App, owner, timezone string, now time.Time) (int, error) {
	return sentOn(app, owner, dayOf(now, schedule.Zone(timezone)))
}

// admit reserves one message of the owner's day for a job's first try, and
// tells whether it may go; if not, the job is back with its queue. With the
// day's limit reached by messages recorded, the run waits (it is cut with
// errWaiting) and the job stays pending; while messages reserved are still
// on their way (one may be skipped, freeing its place), the job is looked
// at again in a moment. Later tries need no reservation: their delivery is
// counted already.
func (s *runSender) admit(j *job) bool {
	if j.attempts > 0 {
		return true
	}
	p := s.p
	now := p.opts.Now()
	p.quotas.mu.Lock()
	defer p.quotas.mu.Unlock()
	q, err := p.quotaOf(s.owner(), now, false)
	if err != nil {
		// the job stays pending for a later pass; the database's trouble
		// stops the pass when the recorder meets it
		p.log.Error("Cannot read a user's daily limit; the message waits", slog.String("run", s.run.Id), slog.String("error", err.Error()))
		s.queue.done()
		return false
	}
	if q.limit > 0 && q.used+q.reserved >= q.limit {
		if q.reserved > 0 {
			s.queue.again(*j, tailPoll)
			return false
		}
		s.cancel(errWaiting)
		s.queue.done()
		return false
	}
	q.reserved++
	j.day = q.day
	return true
}

// giveBack hands back to its queue a job that was not sent: its
// reservation, if any, is free again.
func (s *runSender) giveBack(j job) {
	s.release(j)
	s.queue.done()
}

func (s *runSender) release(j job) {
	if j.day == "" {
		return
	}
	s.p.quotas.mu.Lock()
	defer s.p.quotas.mu.Unlock()
	if q := s.p.quotas.owners[s.owner()]; q != nil {
		q.reserved--
	}
}

// commitCounted commits the transaction that recorded a batch and moved
// the database's counts (save), and turns the batch's reservations into
// counts, under the quotas' lock: a day's count read meanwhile (quotaOf)
// sees both or neither.
func (p *pass) commitCounted(batch []*outcome, commit func() error) error {
	p.quotas.mu.Lock()
	defer p.quotas.mu.Unlock()
	if err := commit(); err != nil {
		return err
	}
	p.settle(batch, true)
	return nil
}

// releaseAll frees the reservations of a batch that was not recorded.
func (p *pass) releaseAll(batch []*outcome) {
	p.quotas.mu.Lock()
	defer p.quotas.mu.Unlock()
	p.settle(batch, false)
}

// settle turns the reservations of recorded outcomes into counts, or frees
// those of outcomes skipped unsent or not recorded; the quotas' lock held.
func (p *pass) settle(batch []*outcome, recorded bool) {
	for _, o := range batch {
		if o.last || o.day == "" {
			continue
		}
		q := p.quotas.owners[o.sender.owner()]
		if q == nil {
			continue
		}
		q.reserved--
		if recorded && !o.skipped && o.day == q.day {
			q.used++
		}
	}
}

// daysCounted sums the outcomes of a batch that count, by owner and day.
func daysCounted(batch []*outcome) map[[2]string]int {
	counts := map[[2]string]int{}
	for _, o := range batch {
		if !o.last && o.day != "" && !o.skipped {
			counts[[2]string{o.sender.owner(), o.day}]++
		}
	}
	return counts
}

// addDailySends is the statement that adds to an owner's day.
const addDailySends = `INSERT INTO _postrider_daily_sends (owner, day, sent) VALUES (?, ?, ?)
	ON CONFLICT (owner, day) DO UPDATE SET sent = sent + excluded.sent`

func (s *runSender) owner() string { return s.run.GetString("owner") }
