package dispatch_test

import (
	"testing"
	"time"
)

// eventually asks done every 50 ms until it says yes, and fails the test
// with never (what did not happen) once within has passed: for what a user
// waits for, such as a log line that reaches the database in batches.
func eventually(t *testing.T, within time.Duration, never string, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !done(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (waited %s)", never, within)
		}
	}
}
