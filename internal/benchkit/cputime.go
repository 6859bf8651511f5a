package benchkit

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process used so far, user and system: a
// benchmark's cost that other work on the machine disturbs less than wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
