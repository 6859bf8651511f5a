// Package smtptest runs a real SMTP server on loopback for tests, keeps
// every message it accepts, and lets a test decide how it answers.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one accepted message as the server received it.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the connection was encrypted
	User string // who logged in, if anyone
	Helo string // the name the client gave in EHLO (or HELO)
	UTF8 bool   // MAIL FROM came with SMTPUTF8 (RFC 6531)
	// Received is when the server accepted it
	Received time.Time
}

// Server is an SMTP server listening on 127.0.0.1.
type Server struct {
	Host string
	Port int

	// OnRcpt, when set, answers each RCPT TO: return an *smtp.SMTPError to refuse.
	OnRcpt func(to string) error
	// Username and Password, when set, are required (AUTH PLAIN) before MAIL.
	Username, Password string

	// OnData, when set, answers each message after it was read: return an
	// *smtp.SMTPError to refuse it, ErrDrop to close the connection instead
	// of answering, or sleep to be slow. A message refused or dropped is not kept.
	OnData func(m Message) error

	mu       sync.Mutex
	messages []Message
	faults   Faults
	data     int            // messages whose data began, for Faults.DropEvery
	rcpts    map[string]int // RCPT TO commands per recipient
	arrived  chan struct{}
	srv      *smtp.Server
	listener net.Listener
}

// Faults make the server misbehave as real ones do; set them with SetFaults.
type Faults struct {
	// DropEvery, when > 0, cuts every DropEvery-th message short: half of
	// it is read, then the connection is closed with no reply. Not kept.
	DropEvery int
	// Refuse421Until, while in the future, answers MAIL FROM with 421.
	Refuse421Until time.Time
	// Refuse answers RCPT TO for these recipients with the code given
	// (451: over quota, try later; 550: no such user).
	Refuse map[string]int
	// ReplyAfter keeps each message, then waits this long before saying
	// so: a server slow after the final dot.
	ReplyAfter time.Duration
}

// SetFaults makes the server misbehave from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Tries counts the RCPT TO commands the server got for each recipient,
// accepted or refused.
func (s *Server) Tries() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.rcpts))
	for k, v := range s.rcpts {
		out[k] = v
	}
	return out
}

// PerRecipient counts the messages kept for each recipient.
func (s *Server) PerRecipient() map[string]int {
	counts := map[string]int{}
	for _, m := range s.Messages() {
		for _, to := range m.To {
			counts[to]++
		}
	}
	return counts
}

// Start listens on a free loopback port until the test ends.
func Start(t testing.TB) *Server { return start(t, nil, false, false) }

// StartSMTPUTF8 is Start with SMTPUTF8 offered (RFC 6531): addresses with
// a non-ASCII local part are taken.
func StartSMTPUTF8(t testing.TB) *Server {
	return start(t, nil, false, true)
}

// StartTLS is Start with STARTTLS offered (implicit: TLS from the first
// byte instead), with a certificate for 127.0.0.1 that roots trusts.
func StartTLS(t testing.TB, implicit bool) (s *Server, roots *x509.CertPool) {
	cfg, roots := selfSigned(t)
	return start(t, cfg, implicit, false), roots
}

// StartPrivateCA is StartTLS whose certificate comes from a private CA:
// caPEM is that CA's certificate, which no system trusts.
func StartPrivateCA(t testing.TB, implicit bool) (s *Server, caPEM []byte) {
	cfg, _, caPEM := selfSignedPEM(t)
	return start(t, cfg, implicit, false), caPEM
}

func start(t testing.TB, tlsConfig *tls.Config, implicit, utf8 bool) *Server {
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
	s.srv.TLSConfig = tlsConfig
	s.srv.EnableSMTPUTF8 = utf8
	if implicit {
		l = tls.NewListener(l, tlsConfig)
	}
	s.srv.AllowInsecureAuth = true
	// clients killed or cut off on purpose reset their connections: the tests
	// look at what arrived, not at go-smtp's complaints about them
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	// a real server's patience (RFC 5321 §4.5.3.2.7: at least 5 minutes).
	// go-smtp's deadline covers a whole DATA from its command on, and it
	// answers one that passes it with a 554 and reads the rest of the
	// message as commands: with 10 s, a client starved of CPU on a loaded
	// machine had 8 messages failed for good by the test server itself
	s.srv.ReadTimeout = 5 * time.Minute
	s.srv.WriteTimeout = 5 * time.Minute
	s.listener = l
	go s.srv.Serve(l)
	t.Cleanup(s.Close)
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
	user   string
	utf8   bool
}

func (s *session) AuthMechanisms() []string {
	if s.server.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.server.Username || pass != s.server.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Bad credentials"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Reset()        { s.from, s.to, s.utf8 = "", nil, false }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.server.Username != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	if time.Now().Before(s.server.currentFaults().Refuse421Until) {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available, try again later"}
	}
	s.from, s.utf8 = from, opts != nil && opts.UTF8
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.server.mu.Lock()
	if s.server.rcpts == nil {
		s.server.rcpts = map[string]int{}
	}
	s.server.rcpts[to]++
	s.server.mu.Unlock()
	switch code := s.server.currentFaults().Refuse[to]; {
	case code >= 500:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	case code >= 400:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox over quota, try again later"}
	}
	if hook := s.server.OnRcpt; hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	faults := s.server.currentFaults()
	if faults.DropEvery > 0 {
		s.server.mu.Lock()
		s.server.data++
		drop := s.server.data%faults.DropEvery == 0
		s.server.mu.Unlock()
		if drop {
			io.ReadFull(r, make([]byte, 1024)) // half of a message of about 2 KB
			s.conn.Conn().Close()
			return ErrDrop
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, encrypted := s.conn.TLSConnectionState()
	m := Message{From: s.from, To: append([]string(nil), s.to...), Data: data, TLS: encrypted, User: s.user,
		Helo: s.conn.Hostname(), UTF8: s.utf8, Received: time.Now()}
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
	time.Sleep(faults.ReplyAfter)
	return nil
}
