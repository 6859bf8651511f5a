package dispatch_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// chunked is a world with a mailing to a list of 10 clients (one of them
// bouncing) among 14 of the owner's, claimed 3 clients at a time: 5 chunks.
type chunked struct {
	*world
	mailing *core.Record
	want    []string // the addresses that must get the mailing once
}

func newChunked(t *testing.T) *chunked {
	w := newWorld(t)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	in := w.clients("in", 9, list.Id, nil)
	w.clients("bouncing", 1, list.Id, map[string]any{"bouncing": true})
	w.clients("out", 4, "", nil)
	m := w.mailing([]string{list.Id}, nil)
	w.window(m, w.now.Add(-time.Minute), w.now, "once") // its only occurrence: the mailing completes after it
	return &chunked{world: w, mailing: m, want: emails(in)}
}

const chunkOf = 3

// check says whether every recipient has one delivery and got one
// message, and the run and the mailing stand as a user expects at the end.
func (c *chunked) check(t *testing.T) {
	t.Helper()
	var logged []string
	for _, d := range c.deliveries(c.mailing) {
		logged = append(logged, d.GetString("email"))
	}
	wantLogged := slices.Sorted(slices.Values(append(slices.Clone(c.want), "bouncing0@example.org")))
	if !slices.Equal(logged, wantLogged) {
		t.Fatalf("deliveries for %v, want one each for %v", logged, wantLogged)
	}
	if got := c.recipients(); !slices.Equal(got, c.want) {
		t.Fatalf("the server got mail for %v, want one message each for %v", got, c.want)
	}
	runs, err := c.app.FindAllRecords("runs")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v (%v), want one", runs, err)
	}
	r := runs[0]
	if r.GetString("status") != "done" || r.GetBool("claiming") || r.GetInt("total") != 10 || r.GetInt("sent") != 9 || r.GetInt("failed") != 1 {
		t.Fatalf("the run: %s (claiming %v), %d sent and %d failed of %d; want done, 9 sent and 1 failed of 10",
			r.GetString("status"), r.GetBool("claiming"), r.GetInt("sent"), r.GetInt("failed"), r.GetInt("total"))
	}
	if got := c.reload(c.mailing).GetString("status"); got != "completed" {
		t.Fatalf("the mailing is %s, want completed", got)
	}
}

func TestAChunkedClaimSendsToEachRecipientOnce(t *testing.T) {
	c := newChunked(t)
	if s := c.mustPass(dispatch.Options{ClaimChunk: chunkOf}); s.Runs != 1 || s.Sent != 9 {
		t.Fatalf("summary: %s", s)
	}
	c.check(t)
}

// A process that dies inside a chunk (its transaction never commits) or
// between two chunks leaves a run the next pass goes on claiming where it
// stopped: no recipient is written twice, none is left out.
func TestAClaimCutAtEachBoundaryGoesOnWhereItStopped(t *testing.T) {
	for k := 1; k <= 5; k++ {
		for _, committed := range []bool{false, true} {
			t.Run(fmt.Sprintf("chunk %d committed %v", k, committed), func(t *testing.T) {
				c := newChunked(t)
				restore := dispatch.FailClaimAt(k, committed, nil)
				_, err := c.pass(dispatch.Options{ClaimChunk: chunkOf})
				restore()
				if err == nil {
					t.Fatal("the pass whose claim was cut reported no error")
				}
				run, _ := c.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": c.mailing.Id})
				last := k == 5 && committed // the claim is over, its run not
				if run == nil || run.GetString("status") != "sending" || run.GetBool("claiming") == last {
					t.Fatalf("after the cut the run is %v, want sending, claiming unless its last chunk is in", run)
				}
				c.mustPass(dispatch.Options{ClaimChunk: chunkOf})
				c.check(t)
			})
		}
	}
}

// The first messages leave while the claim is still writing, and the run
// meanwhile says it is sending, with the deliveries written so far, never
// done; a second pass started then finds the data dir busy and writes
// nothing.
func TestARunSendsWhileItIsClaimedAndOnePassClaimsIt(t *testing.T) {
	c := newChunked(t)
	var second dispatch.Summary
	var secondErr error
	restore := dispatch.FailClaimAt(0, false, func(k int, committed bool) {
		if k != 2 || !committed { // 6 of the 14 clients read: 2 to 6 recipients written
			return
		}
		eventually(t, 10*time.Second, "no message left before the claim's last chunk", func() bool { return len(c.smtp.Messages()) > 0 })
		run, err := c.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": c.mailing.Id})
		if err != nil || run.GetString("status") != "sending" || !run.GetBool("claiming") || run.GetInt("total") >= 10 {
			t.Errorf("while claimed the run is %v (%v): want sending, claiming, fewer than 10 written", run, err)
		}
		second, secondErr = c.pass(dispatch.Options{ClaimChunk: chunkOf})
	})
	defer restore()
	c.mustPass(dispatch.Options{ClaimChunk: chunkOf})
	if !second.Busy || secondErr != nil {
		t.Fatalf("a second pass during the claim: %s (%v), want busy", second, secondErr)
	}
	c.check(t)
}
