package hooks

import "time"

// SetImportIdleTimeout shortens how long an upload may stall, for a test
// that waits for it; it returns the function that puts it back.
func SetImportIdleTimeout(d time.Duration) (restore func()) {
	was := importIdleTimeout
	importIdleTimeout = d
	return func() { importIdleTimeout = was }
}
