// Package inbound hears back about the mail Postrider sent: it takes a raw
// report (a bounce or a complaint), through serve's SMTP listener for the
// bounce domain (listener.go) or POST /api/postrider/bounces (hooks), finds
// the delivery it is about and records what it says (DESIGN "Senders and
// bounces").
package inbound

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/internal/bounce"
	"postrider/internal/health"
	"postrider/mailout"
)

// Result is what one received message did.
type Result struct {
	Reports   int `json:"reports"`   // failures and complaints it held
	Applied   int `json:"applied"`   // recorded on a delivery of ours
	Repeated  int `json:"repeated"`  // about a delivery that had heard as much already
	Unmatched int `json:"unmatched"` // for no delivery of ours, or forged
	Stopped   int `json:"stopped"`   // mailings stopped as their sender's health passed a limit
}

// softInARow soft bounces of a client's last messages mark it bouncing.
const softInARow = 5

// Receive reads a raw message and records each report it holds on the
// delivery it names: by a VERP token that checks out (in the envelope
// recipients given, or in the report), else by the original Message-ID
// together with the recipient's address. A report for no delivery of ours,
// or with a forged token, changes nothing. It logs one line for the
// message, and returns an error (worded for the sender of the message)
// only when the message cannot be read or the database fails. A hard
// bounce or a complaint (recorded now or before: a report sent again
// checks again) then weighs on its sender's health, which may stop their
// mailings (internal/health).
func Receive(app core.App, limits config.Health, raw io.Reader, envelopeTo []string, via string) (Result, error) {
	var res Result
	log := app.Logger().With(slog.String("via", via))
	reports, err := bounce.Parse(raw, bounce.DefaultLimits)
	if err != nil {
		log.Warn("Inbound: a message was not read as a bounce or complaint report; nothing changed", slog.String("error", err.Error()))
		return res, &readError{err}
	}
	secret, err := mailout.UnsubscribeSecret(app.DataDir())
	if err != nil {
		return res, err
	}
	var tokens []string
	for _, to := range envelopeTo {
		if t := bounce.TokenOf(to); t != "" {
			tokens = append(tokens, t)
		}
	}
	res.Reports = len(reports)
	var said, senders []string
	for _, r := range reports {
		d, why := findDelivery(app, secret, r, tokens)
		if d == nil {
			res.Unmatched++
			said = append(said, why)
			continue
		}
		if r.Kind != bounce.Soft && !slices.Contains(senders, d.GetString("owner")) {
			senders = append(senders, d.GetString("owner"))
		}
		applied, err := apply(app, d, r)
		if err != nil {
			log.Error("Inbound: recording a report failed", slog.String("delivery", d.Id), slog.String("error", err.Error()))
			return res, err
		}
		if applied {
			res.Applied++
			said = append(said, fmt.Sprintf("%s bounce of delivery %s (%s)", r.Kind, d.Id, r.Status))
		} else {
			res.Repeated++
			said = append(said, "delivery "+d.Id+" had this report already")
		}
	}
	for _, owner := range senders {
		n, err := health.Stop(app, limits, owner, time.Now())
		if err != nil {
			log.Error("Inbound: the automatic stop of a sender's mailings failed", slog.String("user", owner), slog.String("error", err.Error()))
			return res, err
		}
		if n > 0 {
			res.Stopped += n
			log.Warn("Inbound: a sender's mailings stopped automatically", slog.String("user", owner), slog.Int("mailings", n))
		}
	}
	attrs := []any{slog.Int("reports", res.Reports), slog.Int("applied", res.Applied),
		slog.Int("repeated", res.Repeated), slog.Int("unmatched", res.Unmatched), slog.String("what", strings.Join(said, "; "))}
	if res.Unmatched > 0 || res.Reports == 0 {
		log.Warn("Inbound: a report changed nothing for some recipients", attrs...)
	} else {
		log.Info("Inbound: report recorded", attrs...)
	}
	return res, nil
}

// findDelivery is the delivery a report is about, or nil and why not.
func findDelivery(app core.App, secret []byte, r bounce.Report, envelopeTokens []string) (*core.Record, string) {
	forged := false
	for _, t := range append(append([]string(nil), envelopeTokens...), r.Tokens...) {
		id, ok := mailout.CheckVERPToken(secret, t)
		if !ok {
			forged = true
			continue
		}
		d, err := app.FindRecordById("deliveries", id)
		if err != nil {
			return nil, "a signed token for a delivery no longer here"
		}
		// a bounce must be about the address the delivery went to, where it
		// names one; a complaint's address is most often redacted (RFC 6590)
		if r.Kind != bounce.Complaint && r.Recipient != "" && !strings.EqualFold(r.Recipient, d.GetString("email")) {
			return nil, "a report naming " + r.Recipient + " for a delivery to another address"
		}
		return d, ""
	}
	// a relay that put its own envelope sender: the Message-ID (our
	// delivery's id @ the From domain) and the recipient both must match,
	// as ids follow each other within a run and could be guessed
	if r.MessageID != "" && r.Recipient != "" {
		id, _, _ := strings.Cut(r.MessageID, "@")
		d, err := app.FindRecordById("deliveries", id)
		if err == nil && d.GetString("message_id") == "<"+r.MessageID+">" {
			if strings.EqualFold(r.Recipient, d.GetString("email")) {
				return d, ""
			}
			return nil, "a Message-ID of ours with another recipient"
		}
	}
	if forged {
		return nil, "a forged VERP token"
	}
	return nil, "no VERP token nor Message-ID of ours"
}

// kindRank orders the kinds: a delivery records the gravest report it got,
// each once, so that the same report twice counts once.
const kindRank = `CASE bounce WHEN 'soft' THEN 1 WHEN 'hard' THEN 2 WHEN 'complaint' THEN 3 ELSE 0 END`

var rank = map[bounce.Kind]int{bounce.Soft: 1, bounce.Hard: 2, bounce.Complaint: 3}

// apply records a report on its delivery and its client, in one
// transaction: false when the delivery had as grave a report already.
func apply(app core.App, d *core.Record, r bounce.Report) (bool, error) {
	applied := false
	reply := r.Diagnostic
	if reply == "" {
		reply = r.Status
	}
	if len(reply) > 1000 {
		reply = reply[:1000]
	}
	err := app.RunInTransaction(func(tx core.App) error {
		now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
		res, err := tx.NonconcurrentDB().NewQuery(`
			UPDATE deliveries SET bounce = {:kind}, bounced_at = {:now}, bounce_reply = {:reply}, updated = {:now}
			WHERE id = {:id} AND ` + kindRank + ` < {:rank}`).
			Bind(dbx.Params{"kind": string(r.Kind), "now": now, "reply": reply, "id": d.Id, "rank": rank[r.Kind]}).Execute()
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		applied = true
		client, err := tx.FindRecordById("clients", d.GetString("client"))
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the client was deleted since: the log keeps the report
		}
		if err != nil {
			return err
		}
		switch r.Kind {
		case bounce.Hard:
			if client.GetBool("bouncing") {
				return nil
			}
			client.Set("bouncing", true)
		case bounce.Soft:
			if client.GetBool("bouncing") {
				return nil
			}
			if mark, err := softStreak(tx, client); err != nil || !mark {
				return err
			}
			client.Set("bouncing", true)
		case bounce.Complaint:
			if client.GetBool("unsubscribed") {
				return nil
			}
			client.Set("unsubscribed", true)
			client.Set("unsubscribed_reason", "complaint")
		}
		return tx.Save(client)
	})
	return applied, err
}

// softStreak tells whether the client's last softInARow messages sent all
// bounced soft: its last softInARow bounced ones were soft, and no message
// sent to it since the oldest of them went without a bounce. Both reads
// follow indexes a claim does not pay for: the bounced deliveries alone,
// and the owner's runs since then, each probed for the client.
func softStreak(tx core.App, client *core.Record) (bool, error) {
	var last []struct {
		Bounce string         `db:"bounce"`
		RunAt  types.DateTime `db:"run_at"`
	}
	err := tx.NonconcurrentDB().NewQuery(`
		SELECT bounce, run_at FROM deliveries INDEXED BY idx_deliveries_bounced_client
		WHERE client = {:client} AND bounce != '' AND status = 'sent'
		ORDER BY run_at DESC LIMIT {:n}`).
		Bind(dbx.Params{"client": client.Id, "n": softInARow}).All(&last)
	if err != nil || len(last) < softInARow {
		return false, err
	}
	for _, d := range last {
		if d.Bounce != string(bounce.Soft) {
			return false, nil
		}
	}
	var unbounced int
	err = tx.NonconcurrentDB().NewQuery(`
		SELECT count(*) FROM mailings m
		JOIN runs r INDEXED BY idx_runs_mailing ON r.mailing = m.id AND r.run_at >= {:oldest}
		JOIN deliveries d INDEXED BY idx_deliveries_run_client ON d.run = r.id AND d.client = {:client}
		WHERE m.owner = {:owner} AND d.status = 'sent' AND d.bounce = ''`).
		Bind(dbx.Params{"owner": client.GetString("owner"), "client": client.Id, "oldest": last[len(last)-1].RunAt.String()}).
		Row(&unbounced)
	return unbounced == 0, err
}

// readError is a message that could not be read; any other error of
// Receive is the database's.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// Unreadable tells whether an error of Receive is the message's (it could
// not be read as a report), not the database's.
func Unreadable(err error) bool {
	var re *readError
	return errors.As(err, &re)
}
