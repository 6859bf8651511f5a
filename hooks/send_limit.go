package hooks

import (
	"sync"
	"time"
)

// sendLimit counts the mail a key (a user, a sender) asked for over the
// last period: at most n, in this process. Enough to keep a slip of the
// finger from becoming a flood: test sends of a mailing, and the
// verification mail of senders, which goes to an address of the user's
// choosing.
type sendLimit struct {
	n    int
	per  time.Duration
	mu   sync.Mutex
	last map[string][]time.Time
}

func newSendLimit(n int, per time.Duration) *sendLimit {
	return &sendLimit{n: n, per: per, last: map[string][]time.Time{}}
}

// take counts one more mail for key at now, or tells that key has had its n.
func (l *sendLimit) take(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.last[key][:0]
	for _, at := range l.last[key] {
		if now.Sub(at) < l.per {
			recent = append(recent, at)
		}
	}
	if len(recent) >= l.n {
		l.last[key] = recent
		return false
	}
	l.last[key] = append(recent, now)
	return true
}
