package dispatch

import (
	"database/sql"
	"errors"
	"net/mail"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/mailout"
)

// From: who a mailing's messages are from, and where replies go (DESIGN.md
// "Senders and bounces"). Every message goes out from the service's own
// address, whose domain signs it (DKIM) and names its Message-ID; the
// person behind it is in the display name and in Reply-To:
//   - a mailing with a verified sender: "Sender's name via Service"
//     <service address>, Reply-To the sender's reply_to, or its address;
//   - any other (no sender, or one deleted or unverified since): "Owner's
//     name via Service" <service address>, Reply-To the owner's confirmed
//     email.

// fromLine is a mailing's From and Reply-To (Reply-To's Address "" for
// none).
type fromLine struct {
	from, replyTo mail.Address
}

// ServiceName is the name the service signs with: the settings' sender
// name, or the application's name where that is empty.
func ServiceName(s *core.Settings) string {
	if name := strings.TrimSpace(s.Meta.SenderName); name != "" {
		return name
	}
	return strings.TrimSpace(s.Meta.AppName)
}

// FromName is the name a mailing's messages carry in From, for the
// unsubscribe page to name the sender as its recipient saw it.
func FromName(app core.App, mailing *core.Record) (string, error) {
	line, err := fromOf(app, mailing)
	return line.from.Name, err
}

// fromOf reads a mailing's From and Reply-To: once per run, not per message.
func fromOf(app core.App, mailing *core.Record) (fromLine, error) {
	settings := app.Settings()
	service := mail.Address{Name: ServiceName(settings), Address: settings.Meta.SenderAddress}
	var sender struct {
		ID      string `db:"id"`
		Name    string `db:"name"`
		Email   string `db:"email"`
		ReplyTo string `db:"reply_to"`
	}
	if id := mailing.GetString("sender"); id != "" {
		err := app.DB().Select("id", "name", "email", "reply_to").From("senders").
			Where(dbx.HashExp{"id": id, "owner": mailing.GetString("owner"), "verified": true}).One(&sender)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fromLine{}, err
		}
	}
	if sender.ID != "" {
		if sendsAsItself(app, sender.Email) {
			return fromLine{from: mail.Address{Name: sender.Name, Address: sender.Email},
				replyTo: replyAddress(sender.ReplyTo, "")}, nil
		}
		return fromLine{from: via(sender.Name, service), replyTo: replyAddress(sender.ReplyTo, sender.Email)}, nil
	}
	var owner struct {
		Name     string `db:"name"`
		Email    string `db:"email"`
		Verified bool   `db:"verified"`
	}
	err := app.DB().Select("name", "email", "verified").From("users").
		Where(dbx.HashExp{"id": mailing.GetString("owner")}).One(&owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fromLine{}, err
	}
	line := fromLine{from: via(owner.Name, service)}
	if owner.Verified {
		line.replyTo = mail.Address{Address: owner.Email}
	}
	return line, nil
}

// sendsAsItself tells whether a verified sender's address may be the From
// itself: one on a verified domain of its owner, signed with d= that
// domain. Not yet: the domains work (DESIGN.md "domains") fills it in,
// and until then every sender goes out via the service.
func sendsAsItself(app core.App, email string) bool {
	return false
}

// via is the display name "Name via Service" at the service's address:
// the service's name alone for an empty name, and the name alone for a
// service without one. mailout.Address encodes it (RFC 2047).
func via(name string, service mail.Address) mail.Address {
	name = mailout.OneLine(strings.TrimSpace(name))
	switch {
	case name == "":
		return service
	case service.Name == "":
		return mail.Address{Name: name, Address: service.Address}
	}
	return mail.Address{Name: name + " via " + service.Name, Address: service.Address}
}

func replyAddress(replyTo, fallback string) mail.Address {
	if replyTo != "" {
		return mail.Address{Address: replyTo}
	}
	return mail.Address{Address: fallback}
}
