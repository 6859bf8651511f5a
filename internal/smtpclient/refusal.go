package smtpclient

import (
	"errors"
	"strconv"
	"strings"
)

// The commands of an SMTP transaction a refusal may answer (ReplyError.Stage),
// worded as mail servers' bounce reports word them.
const (
	StageMail = "MAIL FROM"
	StageRcpt = "RCPT TO"
	StageData = "DATA"
	StageEnd  = "end of DATA" // the message itself, after its final dot
)

// envelopeStages are the envelope's commands in the order they are sent.
var envelopeStages = [...]string{StageMail, StageRcpt, StageData}

// at tags a refusal (a *ReplyError in err) with the command it answered,
// and returns err.
func at(stage string, err error) error {
	var re *ReplyError
	if errors.As(err, &re) && re.Stage == "" {
		re.Stage = stage
	}
	return err
}

// MailboxRefusal tells whether a refusal says that the recipient's mailbox
// cannot take mail, read by its RFC 3463 enhanced code, or by the basic
// code where there is none. Only a reply to RCPT TO can: after DATA the
// server judged the message, and before RCPT the sender. Of the enhanced
// codes, the destination's address status (5.1.x) where it names the
// mailbox or its domain as bad (5.1.1 bad mailbox, 5.1.2 bad system, 5.1.4
// ambiguous, 5.1.6 moved, 5.1.10 null MX), and 5.2.1 (mailbox disabled).
// Not 5.1.3 (bad address syntax: the address as we wrote it, as with an
// internationalized one sent raw to a server without SMTPUTF8, not the
// mailbox), 5.1.0 (other: Postfix gives it to a rejected sender), 5.1.7
// and 5.1.8 (the sender's address); and no policy (5.7.x), content (5.6.x,
// 5.3.4), full mailbox (5.2.2) or syntax (5.5.x) refusal. Without an
// enhanced code: 550, 551 and 553 (mailbox unavailable, not local, name
// not allowed); not 501 (syntax), 552 or 554.
func MailboxRefusal(re *ReplyError) bool {
	if re.Stage != StageRcpt || re.Code < 500 || re.Code > 599 {
		return false
	}
	class, subject, detail, ok := enhancedCode(re.Message)
	if !ok {
		return re.Code == 550 || re.Code == 551 || re.Code == 553
	}
	if class != 5 {
		return false
	}
	switch subject {
	case 1:
		return detail == 1 || detail == 2 || detail == 4 || detail == 6 || detail == 10
	case 2:
		return detail == 1
	}
	return false
}

// enhancedCode reads the RFC 3463 code that begins a reply's text
// (class.subject.detail, as in "5.1.1 No such user").
func enhancedCode(msg string) (class, subject, detail int, ok bool) {
	first, _, _ := strings.Cut(msg, " ")
	first, _, _ = strings.Cut(first, "\n")
	parts := strings.Split(first, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || len(parts[1]) > 3 || len(parts[2]) > 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || p == "" || p[0] == '+' || p[0] == '-' {
			return 0, 0, 0, false
		}
		n[i] = v
	}
	if n[0] != 2 && n[0] != 4 && n[0] != 5 {
		return 0, 0, 0, false
	}
	return n[0], n[1], n[2], true
}
