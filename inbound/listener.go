package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"postrider/config"
)

// The listener's limits: a report is small (Postfix returns 50 kB of the
// message at most), and it comes from a few mail systems, never in floods.
const (
	maxMessageBytes = 1 << 20 // bounce.DefaultLimits.MaxSize
	maxRecipients   = 10
	maxConns        = 64 // at once, over all clients
	maxConnsPerIP   = 4  // at once, per client address
	messagesPerMin  = 60 // per client address, with a burst as large
	commandTimeout  = 60 * time.Second
)

// Bind starts serve's SMTP listener for the bounce domain when
// POSTRIDER_INBOUND_ADDR is set, and stops it when serve stops. A listener
// that cannot bind stops serve's start with a message naming the variable.
func Bind(app core.App, cfg config.Config) {
	if cfg.Inbound.Addr == "" {
		return
	}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		l, err := Listen(e.App, cfg.Inbound.Addr, cfg.BounceDomain, cfg.Health)
		if err != nil {
			return fmt.Errorf("POSTRIDER_INBOUND_ADDR %q: %w", cfg.Inbound.Addr, err)
		}
		e.App.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Priority: -1000, Func: func(te *core.TerminateEvent) error {
			l.Close()
			return te.Next()
		}})
		go l.Serve() // serve's first lines say where (startup.go)
		return e.Next()
	})
}

// Listener is an SMTP server that takes mail for the bounce domain only.
type Listener struct {
	app          core.App
	bounceDomain string // "" = the app URL's
	limits       config.Health
	srv          *smtp.Server
	ln           net.Listener

	mu    sync.Mutex
	conns int
	peers map[string]*peer
}

// peer is what the listener keeps of one client address.
type peer struct {
	conns  int
	tokens float64 // messages it may send now (a bucket of messagesPerMin)
	at     time.Time
}

// Listen binds addr; Serve serves it. Each report it takes may stop its
// sender's mailings past limits (Receive).
func Listen(app core.App, addr, bounceDomain string, limits config.Health) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &Listener{app: app, bounceDomain: bounceDomain, limits: limits, ln: ln, peers: map[string]*peer{}}
	l.srv = smtp.NewServer(l)
	l.srv.Domain = l.domain()
	l.srv.MaxMessageBytes = maxMessageBytes
	l.srv.MaxRecipients = maxRecipients
	l.srv.ReadTimeout = commandTimeout
	l.srv.WriteTimeout = commandTimeout
	l.srv.MaxLineLength = 2000
	l.srv.ErrorLog = slogger{app.Logger()}
	return l, nil
}

// Addr is where it listens.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Serve takes connections until Close.
func (l *Listener) Serve() {
	if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		l.app.Logger().Error("Inbound: the SMTP listener stopped", slog.String("error", err.Error()))
	}
}

// Close stops listening and closes the connections.
func (l *Listener) Close() error { return l.srv.Close() }

func (l *Listener) domain() string {
	return BounceDomain(l.app, l.bounceDomain)
}

// BounceDomain is the domain of the VERP addresses: configured, else the
// app URL's host (config.BounceDomainFor).
func BounceDomain(app core.App, configured string) string {
	if configured != "" {
		return configured
	}
	return config.BounceDomainFor(app.Settings().Meta.AppURL)
}

var (
	errBusy       = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many connections; try again later"}
	errRate       = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Too many messages from your address; try again later"}
	errNotOurs    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "This server takes mail for its bounce domain only"}
	errUnreadable = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Not a delivery status notification nor a complaint report"}
	errTryLater   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "The report could not be recorded; try again later"}
)

// NewSession admits a connection within the limits.
func (l *Listener) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ip := "?"
	if addr, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ip = addr.IP.String()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.peers[ip]
	if p == nil {
		p = &peer{tokens: messagesPerMin, at: time.Now()}
		l.peers[ip] = p
	}
	if l.conns >= maxConns || p.conns >= maxConnsPerIP {
		l.app.Logger().Warn("Inbound: a connection was turned away (too many at once)", slog.String("ip", ip))
		return nil, errBusy
	}
	l.conns++
	p.conns++
	return &session{l: l, ip: ip}, nil
}

// admit takes one message from the address's bucket.
func (l *Listener) admit(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.peers[ip]
	now := time.Now()
	p.tokens = min(messagesPerMin, p.tokens+now.Sub(p.at).Minutes()*messagesPerMin)
	p.at = now
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

func (l *Listener) logout(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns--
	p := l.peers[ip]
	p.conns--
	// an address with a full bucket again is as new: forget it
	if p.conns == 0 && p.tokens+time.Since(p.at).Minutes()*messagesPerMin >= messagesPerMin {
		delete(l.peers, ip)
	}
}

// session is one SMTP connection.
type session struct {
	l    *Listener
	ip   string
	rcpt []string
}

func (s *session) Reset()        { s.rcpt = nil }
func (s *session) Logout() error { s.l.logout(s.ip); return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.l.admit(s.ip) {
		return errRate
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !strings.EqualFold(strings.TrimSuffix(to[at+1:], "."), s.l.domain()) {
		return errNotOurs
	}
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	// go-smtp stops the read past MaxMessageBytes (552) and drains the rest
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, err = Receive(s.l.app, s.l.limits, bytes.NewReader(raw), s.rcpt, "smtp from "+s.ip)
	switch {
	case err == nil:
		return nil
	case !Unreadable(err):
		return errTryLater
	}
	return errUnreadable
}

// slogger passes go-smtp's own complaints to the app's log.
type slogger struct{ log *slog.Logger }

func (s slogger) Printf(format string, v ...any) {
	s.log.Warn("Inbound SMTP: " + fmt.Sprintf(format, v...))
}
func (s slogger) Println(v ...any) { s.log.Warn("Inbound SMTP: " + fmt.Sprint(v...)) }
