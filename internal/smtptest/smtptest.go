// Package smtptest runs a real SMTP server on loopback for tests, keeps
// every message it accepts, and lets a test decide how it answers.
package smtptest

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message as the server received it.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server listening on 127.0.0.1.
type Server struct {
	Host string
	Port int

	// OnRcpt, when set, answers each RCPT TO: return an *smtp.SMTPError to refuse.
	OnRcpt func(to string) error
	// OnData, when set, answers each message after it was read: return an
	// *smtp.SMTPError to refuse it, ErrDrop to close the connection instead
	// of answering, or sleep to be slow. A message refused or dropped is not kept.
	OnData func(m Message) error

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
	srv      *smtp.Server
}

// Start listens on a free loopback port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{arrived: make(chan struct{}, 1)}
	s.Host, s.Port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns a copy of what the server accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until at least n messages arrived, or fails the test.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("smtptest: %d message(s) arrived in %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

// ErrDrop, returned by OnData, closes the connection without a reply.
var ErrDrop = errors.New("smtptest: drop the connection")

type session struct {
	server *Server
	conn   *smtp.Conn
	from   string
	to     []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if hook := s.server.OnRcpt; hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: s.from, To: append([]string(nil), s.to...), Data: data}
	if hook := s.server.OnData; hook != nil {
		if err := hook(m); errors.Is(err, ErrDrop) {
			s.conn.Conn().Close()
			return err
		} else if err != nil {
			return err
		}
	}
	s.server.mu.Lock()
	s.server.messages = append(s.server.messages, m)
	s.server.mu.Unlock()
	select {
	case s.server.arrived <- struct{}{}:
	default:
	}
	return nil
}
