package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

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

// NewMailer reads the SMTP server from app's settings at each message, so
// that a change in the dashboard applies at once.
func NewMailer(app core.App, opts Options) *Mailer {
	return &Mailer{app: app, opts: opts.withDefaults()}
}

// Send delivers msg to each of its recipients (To, Cc and Bcc), one SMTP
// transaction each, over one connection.
func (m *Mailer) Send(msg *mailer.Message) error {
	cfg, ok := smtpConfig(m.app, m.opts)
	if !ok {
		return errors.New("dispatch: no SMTP server is configured")
	}
	raw, err := mailout.Build(asciiDomains(msg))
	if err != nil {
		return err
	}
	signer, err := DKIMFor(m.app, m.opts)
	if err != nil {
		return err
	}
	if raw, err = sign(signer, raw); err != nil {
		return err
	}
	data := dotStuff(raw)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	c, err := dialSMTP(ctx, cfg)
	if err != nil {
		return fmt.Errorf("dispatch: mail %q: %w", msg.Subject, err)
	}
	defer c.close()
	for _, list := range [][]mail.Address{msg.To, msg.Cc, msg.Bcc} {
		for _, to := range list {
			err := c.begin(msg.From.Address, to.Address, data)
			if err == nil {
				_, err = c.end()
			}
			if err != nil {
				return fmt.Errorf("dispatch: mail %q to %s: %w", msg.Subject, to.Address, err)
			}
		}
	}
	return nil
}

// asciiDomains is msg with the domains of its addresses in ASCII, for its
// headers (idn.go); the envelope is converted by the session.
func asciiDomains(msg *mailer.Message) *mailer.Message {
	m := *msg
	convert := func(list []mail.Address) []mail.Address {
		out := make([]mail.Address, len(list))
		for i, a := range list {
			out[i] = mail.Address{Name: a.Name, Address: headerAddress(a.Address)}
		}
		return out
	}
	m.From = mail.Address{Name: msg.From.Name, Address: headerAddress(msg.From.Address)}
	m.To, m.Cc, m.Bcc = convert(msg.To), convert(msg.Cc), convert(msg.Bcc)
	return &m
}
