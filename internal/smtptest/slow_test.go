package smtptest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SlowUntil's channel closes when the n-th message arrives, not before,
// and once: more messages after it are taken as before. Each send
// returns when the server answered, after OnData, so every check below
// sees what the server did with the messages sent so far.
func TestSlowUntilSignalsTheNthMessageOnce(t *testing.T) {
	s := Start(t)
	reached, arrived := s.SlowUntil(time.Millisecond, 2)
	send := func(i int) {
		t.Helper()
		msg := fmt.Sprintf("Subject: %d\r\n\r\nHello\r\n", i)
		c, err := smtp.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SendMail("from@example.test", []string{fmt.Sprintf("to%d@example.test", i)}, strings.NewReader(msg)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	send(1)
	select {
	case <-reached:
		t.Fatalf("signalled after 1 message, want 2")
	default:
	}
	send(2)
	select {
	case <-reached:
	default:
		t.Fatalf("not signalled after 2 messages")
	}
	send(3)
	if arrived() != 3 || len(s.Messages()) != 3 {
		t.Fatalf("%d arrived, %d kept; want 3 and 3", arrived(), len(s.Messages()))
	}
}
