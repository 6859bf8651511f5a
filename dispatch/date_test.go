package dispatch_test

import (
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A rate-limited run takes time: each message is dated when it is written,
// not when its run began, or a message sent hours into a run arrives dated
// in the past (SpamAssassin's DATE_IN_PAST_*).
func TestEachMessageIsDatedWhenItIsWritten(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(10)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	// ten turns at 2 a second: the last message goes out 4.5 s after the first
	if s := w.mustPass(dispatch.Options{Rate: 2, Workers: 1}); s.Sent != 10 {
		t.Fatalf("summary %s", s)
	}
	msgs := w.smtp.Messages()
	first, last := msgs[0].Received, msgs[len(msgs)-1].Received
	if last.Sub(first) < 4*time.Second {
		t.Fatalf("the run took %v; the test needs one over four seconds", last.Sub(first))
	}
	for _, got := range msgs {
		date, err := smtptest.ReadMail(t, got.Data).Header.Date()
		if err != nil {
			t.Fatal(err)
		}
		// written just before it arrived: within two seconds, however busy
		// the machine (dated at the run's start, the last would be over
		// three seconds older than its arrival)
		if received := got.Received.Truncate(time.Second); date.After(received) || date.Before(received.Add(-2*time.Second)) {
			t.Errorf("the message to %v arrived at %s dated %s", got.To, got.Received.Format(time.RFC3339Nano), date.Format(time.RFC3339))
		}
	}
}
