package smtptest

import (
	"sync"
	"sync/atomic"
	"time"
)

// SlowUntil makes the server slow: each message, once read, waits delay
// before it is kept. reached is closed, once, when the n-th message
// arrives, for a test to kill the sender mid-run; arrived counts the
// messages so far. It sets OnData.
func (s *Server) SlowUntil(delay time.Duration, n int64) (reached <-chan struct{}, arrived func() int64) {
	var count atomic.Int64
	signal := make(chan struct{})
	var once sync.Once
	s.OnData = func(Message) error {
		if count.Add(1) >= n {
			once.Do(func() { close(signal) })
		}
		time.Sleep(delay)
		return nil
	}
	return signal, count.Load
}
