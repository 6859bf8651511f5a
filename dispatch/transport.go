package dispatch

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strconv"

	"postrider/mailout"
)

// transport opens sessions that carry messages: SMTP connections, or the
// outbox folder when no SMTP server is configured.
type transport interface {
	open(ctx context.Context) (session, error)
	String() string // where the mail goes, for logs and errors
}

// session carries messages one at a time.
type session interface {
	// send delivers data (dot-stuffed, CRLF-terminated) from from to to and
	// returns the receiving side's reply.
	send(from, to string, data []byte) (string, error)
	// broken tells that the session cannot carry another message.
	broken() bool
	close()
}

type smtpTransport struct{ cfg SMTPConfig }

func (t smtpTransport) open(ctx context.Context) (session, error) {
	c, err := dialSMTP(ctx, t.cfg)
	if err != nil {
		return nil, err
	}
	return smtpSession{c}, nil
}

func (t smtpTransport) String() string {
	return "SMTP server " + net.JoinHostPort(t.cfg.Host, strconv.Itoa(t.cfg.Port))
}

type smtpSession struct{ c *smtpConn }

func (s smtpSession) send(from, to string, data []byte) (string, error) {
	return s.c.send(from, to, data)
}
func (s smtpSession) broken() bool { return s.c.broken }
func (s smtpSession) close()       { s.c.close() }

// outboxTransport keeps each message as an .eml file in dir.
type outboxTransport struct{ dir string }

func (t outboxTransport) open(context.Context) (session, error) { return t, nil }
func (t outboxTransport) String() string                        { return "the outbox " + t.dir }
func (t outboxTransport) broken() bool                          { return false }
func (t outboxTransport) close()                                {}

func (t outboxTransport) send(_, _ string, data []byte) (string, error) {
	path, err := mailout.WriteEML(t.dir, unstuff(data))
	if err != nil {
		return "", err
	}
	return "written to " + filepath.Base(path) + " in the outbox (no SMTP server configured)", nil
}

// unstuff undoes dotStuff: a message file holds the message itself.
func unstuff(data []byte) []byte {
	data = bytes.ReplaceAll(data, []byte("\r\n.."), []byte("\r\n."))
	if bytes.HasPrefix(data, []byte("..")) {
		data = data[1:]
	}
	return data
}
