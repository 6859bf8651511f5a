package e2e

import (
	"testing"
	"time"
)

// every is how often Eventually asks again.
const every = 50 * time.Millisecond

// Eventually asks check until it returns nil, and fails the test with the
// last answer when within has passed first. check says in its error what
// it sees, which is what a failing test should print.
func Eventually(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", within, err)
		}
		time.Sleep(every)
	}
}
