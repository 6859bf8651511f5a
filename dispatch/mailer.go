package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/internal/smtpclient"
	"postrider/mailout"
)

// Mailer sends PocketBase's own mail (confirmations, password resets, login
// alerts) with the dispatcher's SMTP client, so that account mail and
// mailings take the same road: PocketBase's client would switch to STARTTLS
// whenever the server offers it, even with POSTRIDER_SMTP_TLS=none.
type Mailer struct {
	app  core.App
	opts Options
}

var _ mailer.Mailer = (*Mailer)(nil)

// bindAccountMail sends PocketBase's own mail where mailings go: through
// the dispatcher's SMTP client (the same TLS mode), or, with no SMTP server
// configured, to pb_data/outbox/ rather than to a sendmail that a local
// try rarely has.
func bindAccountMail(app core.App, opts Options) {
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		switch e.Mailer.(type) {
		case *mailer.Sendmail:
			signer, err := DKIMFor(e.App, opts)
			if err != nil {
				return err
			}
			out := &mailout.Outbox{Dir: mailout.OutboxDir(e.App.DataDir()), Logger: e.App.Logger(), DKIM: signer}
			if !e.App.IsDev() { // in dev mode the log is printed already
				out.Console = os.Stdout
			}
			e.Mailer = out
		case *mailer.SMTPClient:
			e.Mailer = NewMailer(e.App, opts)
		}
		return e.Next()
	})
}

// NewMailer reads the SMTP server from app's settings at each message, so
// that a change in the dashboard applies at once.
func NewMailer(app core.App, opts Options) *Mailer {
	return &Mailer{app: app, opts: opts.withDefaults()}
}

// Send delivers msg to each of its recipients (To, Cc and Bcc), one SMTP
// transaction each, over one connection.
func (m *Mailer) Send(msg *mailer.Message) error {
	if _, ok := smtpConfig(m.app, m.opts); !ok {
		return errors.New("dispatch: no SMTP server is configured")
	}
	raw, err := mailout.Build(asciiDomains(msg))
	if err != nil {
		return err
	}
	var to []string
	for _, list := range [][]mail.Address{msg.To, msg.Cc, msg.Bcc} {
		for _, a := range list {
			to = append(to, a.Address)
		}
	}
	if err := m.sendRaw(msg.From.Address, to, raw, nil); err != nil {
		return fmt.Errorf("dispatch: mail %q: %w", msg.Subject, err)
	}
	return nil
}

// sendRaw signs raw, a whole message, with domain (a sender's verified
// domain, or nil) and the service's key, and delivers it to each of to, one
// SMTP transaction each, over one connection; with no SMTP server
// configured, it keeps it in the outbox (once).
func (m *Mailer) sendRaw(from string, to []string, raw []byte, domain *mailout.DKIM) error {
	signer, err := DKIMFor(m.app, m.opts)
	if err != nil {
		return err
	}
	if raw, err = signersOf(domain, signer).sign(raw); err != nil {
		return err
	}
	cfg, ok := smtpConfig(m.app, m.opts)
	if !ok {
		path, err := mailout.WriteEML(mailout.OutboxDir(m.app.DataDir()), raw)
		if err != nil {
			return fmt.Errorf("writing to the outbox: %w", err)
		}
		m.app.Logger().Info("No SMTP server configured: mail written to the outbox",
			slog.String("file", path), slog.String("to", strings.Join(to, ", ")))
		return nil
	}
	data := dotStuff(raw)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	c, err := smtpclient.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, rcpt := range to {
		err := c.Begin(from, rcpt, data)
		if err == nil {
			_, err = c.End()
		}
		if err != nil {
			return fmt.Errorf("to %s: %w", rcpt, err)
		}
	}
	return nil
}

// asciiDomains is msg with the domains of its addresses in ASCII, for its
// headers (smtpclient.HeaderAddress); the envelope is converted by the session.
func asciiDomains(msg *mailer.Message) *mailer.Message {
	m := *msg
	convert := func(list []mail.Address) []mail.Address {
		out := make([]mail.Address, len(list))
		for i, a := range list {
			out[i] = mail.Address{Name: a.Name, Address: smtpclient.HeaderAddress(a.Address)}
		}
		return out
	}
	m.From = mail.Address{Name: msg.From.Name, Address: smtpclient.HeaderAddress(msg.From.Address)}
	m.To, m.Cc, m.Bcc = convert(msg.To), convert(msg.Cc), convert(msg.Bcc)
	return &m
}
