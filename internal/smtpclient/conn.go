// Package smtpclient is the SMTP client that carries Postrider's mail: one
// session kept open for many messages, pipelined when the server offers it
// (RFC 2920), secured and logged in as configured, with internationalized
// addresses, the refusals it gets tagged with the command they answered,
// and what kind of failure an error is in words for users (Explain). It
// knows nothing of PocketBase or of mailings: the dispatcher gives it a
// Config and messages, and records what it answers.
package smtpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Config says how to reach the SMTP server.
type Config struct {
	Host      string
	Port      int
	Username  string
	Password  string
	TLS       string        // "none", "starttls", "tls", or "auto": STARTTLS when the server offers it
	LocalName string        // EHLO name; HeloName("") when empty (never localhost)
	Timeout   time.Duration // of each command's reply
	// DataTimeout is how long to wait for the reply to a message's final
	// dot: the server may have stored the message before it answers, so
	// giving up early risks a copy (RFC 5321 §4.5.3.2.6 says 10 minutes).
	DataTimeout time.Duration
	RootCAs     *x509.CertPool // the roots the server's certificate must chain to; nil = the system's
}

// ReplyError is an SMTP reply that refused a command. 4xx replies are
// temporary (try again later), 5xx permanent (this message will never go).
type ReplyError struct {
	Code    int
	Message string
	Stage   string // the command it answered (refusal.go): StageMail, StageRcpt, StageData or StageEnd
}

func (e *ReplyError) Error() string { return strconv.Itoa(e.Code) + " " + e.Message }

// Permanent tells whether err means the message can never be delivered as
// it is. Everything else (4xx, a dropped or timed-out connection) is worth
// another try.
func Permanent(err error) bool {
	var re *ReplyError
	return errors.As(err, &re) && re.Code >= 500
}

// NoReplyError means the whole message, final dot included, went out and no
// reply came back (a timeout, a dropped connection): the server may have
// stored it, so what became of it is unknown.
type NoReplyError struct{ Err error }

func (e *NoReplyError) Error() string {
	return "no reply from the server after the whole message was sent: " + e.Err.Error()
}

func (e *NoReplyError) Unwrap() error { return e.Err }

// Unanswered tells whether err is a *NoReplyError.
func Unanswered(err error) bool {
	var nr *NoReplyError
	return errors.As(err, &nr)
}

// CutOff tells whether err is a *NoReplyError whose connection was lost
// (closed or reset) rather than timed out: the server or the network broke
// before it answered. A timeout means a server that is alive and slow, and
// has most likely kept the message.
func CutOff(err error) bool {
	var ne net.Error
	return Unanswered(err) && !(errors.As(err, &ne) && ne.Timeout())
}

// Conn is one SMTP session, kept open for many messages. It pipelines
// MAIL, RCPT and DATA (RFC 2920) when the server offers it: one round trip
// instead of three before the message itself, and the next message's
// envelope rides in the same write as this one's final dot (ahead).
type Conn struct {
	conn        net.Conn
	text        *textproto.Reader
	w           *bufio.Writer
	timeout     time.Duration
	dataTimeout time.Duration
	pipelining  bool
	cur         *outgoing // the message begun, sent by end
	next        *outgoing // the one begun ahead of it (pipelining only)
	ext         map[string]string
	// failed is set by any network or protocol error: the session cannot
	// go on and must be closed
	failed bool
}

// Dial connects, greets, secures and authenticates as cfg says; its
// errors are *connectError.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	c, err := dial(ctx, cfg)
	if err != nil {
		return nil, &connectError{err}
	}
	return c, nil
}

func dial(ctx context.Context, cfg Config) (*Conn, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := raw
	if cfg.TLS == "tls" {
		tc := tls.Client(raw, &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs})
		tc.SetDeadline(time.Now().Add(timeout))
		if err := tc.Handshake(); err != nil {
			raw.Close()
			return nil, &tlsError{fmt.Errorf("TLS with %s: %w", addr, err)}
		}
		conn = tc
	}
	c := newConn(conn, timeout)
	c.dataTimeout = cfg.DataTimeout
	if c.dataTimeout <= 0 {
		c.dataTimeout = 10 * time.Minute
	}
	if err := c.open(cfg); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// outgoing is a message begun and not yet ended.
type outgoing struct {
	from, to string // domains in ASCII (idn.go)
	utf8     bool   // a local part is not ASCII: MAIL FROM says SMTPUTF8
	data     []byte
	sent     bool // its pipelined envelope went out: end reads the replies
}

// outgoing makes the message from from to to, or says why this server
// cannot take it (an *UnsendableError: idn.go).
func (c *Conn) outgoing(from, to string, data []byte) (*outgoing, error) {
	m := &outgoing{data: data}
	var fromUTF8, toUTF8 bool
	var err error
	if m.from, fromUTF8, err = asciiDomain(from); err != nil {
		return nil, err
	}
	if m.to, toUTF8, err = asciiDomain(to); err != nil {
		return nil, err
	}
	if m.utf8 = fromUTF8 || toUTF8; m.utf8 {
		if _, ok := c.ext["SMTPUTF8"]; !ok {
			return nil, &UnsendableError{reason: "the address has a non-ASCII local part and the mail server does not offer SMTPUTF8"}
		}
	}
	return m, nil
}

// mailFrom is the MAIL command of m, without its line end.
func (m *outgoing) mailFrom() string {
	if m.utf8 {
		return "MAIL FROM:<" + m.from + "> SMTPUTF8"
	}
	return "MAIL FROM:<" + m.from + ">"
}

func newConn(conn net.Conn, timeout time.Duration) *Conn {
	return &Conn{
		conn:    conn,
		text:    textproto.NewReader(bufio.NewReaderSize(conn, 4096)),
		w:       bufio.NewWriterSize(conn, 32*1024),
		timeout: timeout,
	}
}

func (c *Conn) open(cfg Config) error {
	c.conn.SetDeadline(time.Now().Add(c.timeout))
	if _, err := c.reply(); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	name := cfg.LocalName
	if name == "" {
		name = HeloName("")
	}
	if err := c.hello(name); err != nil {
		return err
	}
	_, offered := c.ext["STARTTLS"]
	if cfg.TLS == "starttls" || (cfg.TLS == "auto" && offered) {
		if !offered {
			return &tlsError{errors.New("the server does not offer STARTTLS (set POSTRIDER_SMTP_TLS=none or tls)")}
		}
		if _, err := c.cmd("STARTTLS"); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		tc := tls.Client(c.conn, &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs})
		if err := tc.Handshake(); err != nil {
			return &tlsError{fmt.Errorf("STARTTLS handshake: %w", err)}
		}
		dataTimeout := c.dataTimeout
		*c = *newConn(tc, c.timeout)
		c.dataTimeout = dataTimeout
		c.conn.SetDeadline(time.Now().Add(c.timeout))
		if err := c.hello(name); err != nil {
			return err
		}
	}
	if cfg.Username != "" || cfg.Password != "" {
		if err := c.auth(cfg); err != nil {
			return &authError{err}
		}
	}
	c.conn.SetDeadline(time.Time{})
	return nil
}

// hello sends EHLO (HELO for old servers) and notes the extensions.
func (c *Conn) hello(name string) error {
	msg, err := c.cmd("EHLO " + name)
	if err != nil {
		if _, err := c.cmd("HELO " + name); err != nil {
			return fmt.Errorf("HELO: %w", err)
		}
		c.ext = map[string]string{}
		return nil
	}
	c.ext = map[string]string{}
	for _, line := range strings.Split(msg, "\n")[1:] {
		k, v, _ := strings.Cut(line, " ")
		c.ext[strings.ToUpper(k)] = v
	}
	_, c.pipelining = c.ext["PIPELINING"]
	return nil
}

// auth logs in with PLAIN, or LOGIN when that is all the server offers.
// Credentials travel only over TLS or to a server on this machine.
func (c *Conn) auth(cfg Config) error {
	_, isTLS := c.conn.(*tls.Conn)
	if ip := net.ParseIP(cfg.Host); !isTLS && cfg.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("refusing to send the SMTP password over an unencrypted connection (set POSTRIDER_SMTP_TLS to starttls or tls)")
	}
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	has := func(m string) bool {
		for _, x := range mechs {
			if x == m {
				return true
			}
		}
		return false
	}
	switch {
	case has("PLAIN") || len(mechs) == 0:
		token := base64.StdEncoding.EncodeToString([]byte("\x00" + cfg.Username + "\x00" + cfg.Password))
		if _, err := c.cmd("AUTH PLAIN " + token); err != nil {
			return fmt.Errorf("AUTH PLAIN: %w", err)
		}
	case has("LOGIN"):
		for _, step := range []string{"AUTH LOGIN", base64.StdEncoding.EncodeToString([]byte(cfg.Username)), base64.StdEncoding.EncodeToString([]byte(cfg.Password))} {
			if _, err := c.cmd(step); err != nil {
				return fmt.Errorf("AUTH LOGIN: %w", err)
			}
		}
	default:
		return fmt.Errorf("the server offers no login method we know (AUTH %s)", c.ext["AUTH"])
	}
	return nil
}

// cmd sends one command and reads its reply; a 4xx or 5xx reply is a *ReplyError.
func (c *Conn) cmd(line string) (string, error) {
	c.w.WriteString(line + "\r\n")
	if err := c.flush(); err != nil {
		return "", err
	}
	return c.reply()
}

func (c *Conn) flush() error {
	err := c.w.Flush()
	if err != nil {
		c.failed = true
	}
	return err
}

// reply reads one (possibly multi-line) reply: "250 ok" lines joined by \n.
func (c *Conn) reply() (string, error) {
	code, msg, err := c.read()
	if err != nil {
		return "", err
	}
	return strconv.Itoa(code) + " " + msg, nil
}

// accepted reads one reply, keeping only whether it refused (the
// envelope's replies: their text is not kept).
func (c *Conn) accepted() error {
	_, _, err := c.read()
	return err
}

// read reads one reply; a 4xx or 5xx reply is a *ReplyError, and an error
// of the network breaks the session.
func (c *Conn) read() (int, string, error) {
	code, msg, err := c.text.ReadResponse(0)
	if err != nil {
		var te *textproto.Error
		if !errors.As(err, &te) {
			c.failed = true
			return 0, "", err
		}
	}
	if code >= 400 {
		return 0, "", &ReplyError{Code: code, Message: msg}
	}
	return code, msg, nil
}

// Begin starts one message to one recipient; nothing is delivered until
// end. With PIPELINING the envelope (MAIL, RCPT, DATA) goes out in one
// write and its replies are read by end: they arrive while the previous
// outcome is being recorded, so that end finds them waiting instead of
// the worker sleeping for them here. Without it the envelope is exchanged
// command by command. data must be dot-stuffed, end with CRLF, and stay
// as it is until end. After a refusal the session is reset and stays
// usable; after a network error it is broken. A message this server
// cannot take is an *UnsendableError, before anything is sent.
func (c *Conn) Begin(from, to string, data []byte) error {
	if c.cur != nil {
		return errors.New("smtp: a message is already begun") // the caller's bug: end it first, or begin the next ahead
	}
	m, err := c.outgoing(from, to, data)
	if err != nil {
		return err
	}
	c.conn.SetDeadline(time.Now().Add(c.timeout))
	if c.pipelining {
		c.writeEnvelope(m)
		if err := c.flush(); err != nil {
			return err
		}
		m.sent = true
	} else {
		for i, line := range []string{m.mailFrom(), "RCPT TO:<" + m.to + ">", "DATA"} {
			if _, err := c.cmd(line); err != nil {
				return c.reset(at(envelopeStages[i], err))
			}
		}
	}
	c.cur = m
	return nil
}

// Ahead begins the next message while the current one is not ended yet:
// its envelope goes out in the same write as the current message's final
// dot, and end returns the current one's reply; the next end is the next
// message's. Nothing of the next message but its envelope goes out before
// that end. It tells false, and begins nothing, when the session cannot
// (no PIPELINING, nothing in flight, one begun ahead already, broken, a
// message this server cannot take: begin says why).
func (c *Conn) Ahead(from, to string, data []byte) bool {
	if !c.pipelining || c.failed || c.cur == nil || c.next != nil {
		return false
	}
	m, err := c.outgoing(from, to, data)
	if err != nil {
		return false
	}
	c.next = m
	return true
}

// writeEnvelope buffers a pipelined envelope and returns its length.
func (c *Conn) writeEnvelope(m *outgoing) int {
	n := 0
	utf8 := ""
	if m.utf8 {
		utf8 = " SMTPUTF8"
	}
	for _, s := range [...]string{"MAIL FROM:<", m.from, ">", utf8, "\r\nRCPT TO:<", m.to, ">\r\nDATA\r\n"} {
		k, _ := c.w.WriteString(s)
		n += k
	}
	return n
}

// End reads the envelope's replies when begin left them (a refusal or a
// dropped connection there sends nothing more of the message), then sends
// the message with its terminating dot, and the envelope of the message
// begun ahead, in one write, and returns the server's final reply,
// waiting for it as long as DataTimeout says. When the dot went out and no
// reply came, the error is a *NoReplyError and the session is broken. The
// message begun ahead, if any, is the one begun from then on.
func (c *Conn) End() (string, error) {
	m := c.cur
	if m == nil {
		return "", errors.New("smtp: no message begun")
	}
	next := c.next
	c.cur, c.next = next, nil
	if c.pipelining {
		c.conn.SetDeadline(time.Now().Add(c.timeout))
		if !m.sent { // begun ahead of a message refused before its dot: its envelope is still here
			c.writeEnvelope(m)
			if err := c.flush(); err != nil {
				return "", err
			}
		}
		mailErr := at(StageMail, c.accepted())
		rcptErr := at(StageRcpt, c.accepted())
		dataErr := at(StageData, c.accepted())
		if err := firstErr(mailErr, rcptErr, dataErr); err != nil {
			if dataErr == nil {
				// DATA was accepted anyway: end an empty message before resetting
				c.cmd(".")
			}
			return "", c.reset(err)
		}
	}
	c.conn.SetDeadline(time.Now().Add(c.dataTimeout))
	c.w.Write(m.data)
	if _, err := c.w.WriteString(".\r\n"); err != nil {
		c.failed = true
		return "", err // the dot did not go out: nothing was delivered
	}
	envelope := 0
	if next != nil {
		envelope = c.writeEnvelope(next)
		next.sent = true
	}
	if err := c.flush(); err != nil {
		if c.w.Buffered() > envelope {
			return "", err // the dot, before the next envelope, did not go out: nothing was delivered
		}
		return "", &NoReplyError{Err: err}
	}
	final, err := c.reply()
	err = at(StageEnd, err)
	if c.failed {
		return "", &NoReplyError{Err: err}
	}
	if err != nil {
		if next != nil {
			// the transaction is over and the next one's envelope is out
			// already: a RSET now would cancel that one
			return "", err
		}
		return "", c.reset(err)
	}
	return final, nil
}

// InFlight tells whether a message is begun and not ended.
func (c *Conn) InFlight() bool { return c.cur != nil }

// reset answers a refused transaction with RSET so that the session can go
// on (if RSET fails too, the session is marked broken); it returns the
// original refusal.
func (c *Conn) reset(refusal error) error {
	if !c.failed {
		c.cmd("RSET")
	}
	return refusal
}

// Broken tells that the session cannot carry another message.
func (c *Conn) Broken() bool { return c.failed }

// Close ends the session with QUIT and closes the connection.
func (c *Conn) Close() {
	c.conn.SetDeadline(time.Now().Add(2 * time.Second))
	c.cmd("QUIT")
	c.conn.Close()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
