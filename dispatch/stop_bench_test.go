package dispatch

import (
	"context"
	"testing"
	"time"
)

// BenchmarkStopCheck weighs what a worker pays for the stop before each
// message while the run's last read is fresh (stop.go): the read itself
// comes at most once every fresh (100 ms) per run, or after a save.
func BenchmarkStopCheck(b *testing.B) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	s := &runSender{p: &pass{}, ctx: ctx, cancel: cancel}
	s.stop.read.Store(time.Now().Add(time.Hour).UnixNano()) // fresh for the whole benchmark
	for b.Loop() {
		if s.stopping() {
			b.Fatal("stopped")
		}
	}
}
