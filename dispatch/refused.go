package dispatch

import (
	"errors"

	"postrider/internal/health"
	"postrider/internal/smtpclient"
)

// addressRefused ends the response of a refusal of the recipient's mailbox
// itself: bounces.go counts those (and only those) toward the client's
// bouncing mark. notTheAddress ends every other refusal's.
const (
	addressRefused = " (in reply to " + smtpclient.StageRcpt + ": the address was refused)"
	notTheAddress  = health.SenderRefusal // counted against the sender's health
)

// refusal is the response kept for a refusal for good: the server's reply,
// then the command it answered and whether it counts against the address.
func refusal(err error) string {
	var re *smtpclient.ReplyError
	if !errors.As(err, &re) || re.Stage == "" {
		return err.Error()
	}
	reply := clip(re.Error(), 1500) // the end must survive save's clip
	if smtpclient.MailboxRefusal(re) {
		return reply + addressRefused
	}
	return reply + " (in reply to " + re.Stage + notTheAddress
}
