package dispatch

import (
	"bytes"
	"context"
	"path/filepath"

	"postrider/mailout"
)

// transport opens sessions that carry messages: SMTP connections, or the
// outbox folder when no SMTP server is configured.
type transport interface {
	open(ctx context.Context) (session, error)
	String() string // where the mail goes, for logs and errors
}

// session carries messages one at a time, each in two steps, so that the
// next message's envelope is exchanged while the previous outcome is being
// recorded and yet nothing is delivered before it is.
type session interface {
	// begin starts a message (dot-stuffed, CRLF-terminated) from from to
	// to: nothing is delivered yet.
	begin(from, to string, data []byte) error
	// ahead begins the next message while the one begun is not ended, so
	// that its envelope travels with that one's final dot; false when the
	// session cannot (then it is begun after end, as usual). The end that
	// follows is the first message's, the next end the second's.
	ahead(from, to string, data []byte) bool
	// end completes the message begun and returns the receiving side's reply.
	end() (string, error)
	// broken tells that the session cannot carry another message.
	broken() bool
	close()
	// relay names the relay that carried the last message begun, for
	// deliveries.relay: a relay's name (relays.go), or "outbox".
	relay() string
}

// outboxTransport keeps each message as an .eml file in dir.
type outboxTransport struct{ dir string }

func (t outboxTransport) open(context.Context) (session, error) {
	return &outboxSession{dir: t.dir}, nil
}
func (t outboxTransport) String() string { return "the outbox " + t.dir }

type outboxSession struct {
	dir  string
	data []byte
}

func (s *outboxSession) begin(_, _ string, data []byte) error {
	s.data = unstuff(data)
	return nil
}

func (s *outboxSession) end() (string, error) {
	path, err := mailout.WriteEML(s.dir, s.data)
	if err != nil {
		return "", err
	}
	return "written to " + filepath.Base(path) + " in the outbox (no SMTP server configured)", nil
}

func (s *outboxSession) ahead(_, _ string, _ []byte) bool { return false }
func (s *outboxSession) broken() bool                     { return false }
func (s *outboxSession) close()                           {}
func (s *outboxSession) relay() string                    { return "outbox" }

// unstuff undoes dotStuff: a message file holds the message itself.
func unstuff(data []byte) []byte {
	data = bytes.ReplaceAll(data, []byte("\r\n.."), []byte("\r\n."))
	if bytes.HasPrefix(data, []byte("..")) {
		data = data[1:]
	}
	return data
}
