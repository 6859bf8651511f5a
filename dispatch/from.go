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
// "Senders and bounces"):
//   - a mailing with a verified sender on a verified domain of its owner
//     (domains.go): the sender itself, signed with d= its domain (and the
//     service's key too where set), its Message-ID on its domain, Reply-To
//     the sender's reply_to where it has one;
//   - a mailing with another verified sender: "Sender's name via Service"
//     <service address>, Reply-To the sender's reply_to, or its address;
//   - any other (no sender, or one deleted or unverified since): "Owner's
//     name via Service" <service address>, Reply-To the owner's confirmed
//     email.
// Mail via the service goes from its own address, whose domain signs it
// (DKIM) and names its Message-ID.

// fromLine is a mailing's From and Reply-To (Reply-To's Address "" for
// none).
type fromLine struct {
	from, replyTo mail.Address
	signer        *mailout.DKIM // the From domain's own key; nil via the service (and from addressesOf)
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
	line, err := addressesOf(app, mailing)
	return line.from.Name, err
}

// fromOf reads a mailing's From and Reply-To, with the signer of the
// From's own domain: once per run, not per message.
func fromOf(app core.App, mailing *core.Record) (fromLine, error) {
	return readFrom(app, mailing, VerifiedDomainKey)
}

// addressesOf is fromOf without the signer: the domain is looked up, its
// key neither read nor parsed.
func addressesOf(app core.App, mailing *core.Record) (fromLine, error) {
	return readFrom(app, mailing, isVerifiedDomain)
}

// domainLookup says whether an owner's domain is verified, and may give
// its signer.
type domainLookup func(app core.App, ownerID, domain string) (*mailout.DKIM, bool, error)

func readFrom(app core.App, mailing *core.Record, ownDomain domainLookup) (fromLine, error) {
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
		key, own, err := ownDomain(app, mailing.GetString("owner"), domainOf(sender.Email))
		if err != nil {
			return fromLine{}, err
		}
		if own {
			return fromLine{from: mail.Address{Name: mailout.OneLine(strings.TrimSpace(sender.Name)), Address: sender.Email},
				replyTo: replyAddress(sender.ReplyTo, ""), signer: key}, nil
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
