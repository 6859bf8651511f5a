// Package bounce reads the reports mail systems send back about a message
// after they took it: delivery status notifications (RFC 3464, and RFC 6533
// for UTF-8 ones) from Postfix, Exim, Exchange, Gmail and the like, and
// complaint reports (ARF, RFC 5965). It is pure: a raw message in, reports
// out; what a report does is the caller's. Every read is bounded (the
// message's size, its parts, their nesting), so hostile input costs little.
package bounce

import (
	"errors"
	"strings"
)

// Kind is what a report says of a message.
type Kind string

// The kinds, as deliveries.bounce stores them.
const (
	// Hard: the recipient's mailbox or domain does not exist or is
	// disabled (5.1.1, 5.1.2, 5.1.4, 5.1.6, 5.1.10, 5.2.1), as the
	// dispatcher reads a refusal at RCPT TO.
	Hard Kind = "hard"
	// Soft: any other failure for good (a full mailbox, a policy or
	// content refusal, temporary failures given up on).
	Soft Kind = "soft"
	// Complaint: the recipient marked the message as spam (ARF).
	Complaint Kind = "complaint"
)

// Report is one recipient's fate in a report.
type Report struct {
	Kind       Kind
	Recipient  string // Original-Recipient, else Final-Recipient (ARF: Original-Rcpt-To); may be empty
	Action     string // failed (a DSN), or empty (ARF)
	Status     string // the RFC 3463 code: 5.1.1
	Diagnostic string // the remote server's reply, or the feedback type of a complaint
	// Of the message the report is about, where the report carries them:
	MessageID  string   // its Message-ID, without the angle brackets
	EnvelopeID string   // Original-Envelope-Id
	Tokens     []string // the VERP tokens of the envelope sender (b-{token}@…), lower case, for the caller to check
}

// Limits bound what Parse reads.
type Limits struct {
	MaxSize  int64 // bytes of the whole message
	MaxParts int   // MIME parts over all levels
	MaxDepth int   // nesting of multiparts and enclosed messages
}

// DefaultLimits fit any report a mail system sends (Postfix returns at most
// 50 kB of the message, bounce_size_limit) with room to spare.
var DefaultLimits = Limits{MaxSize: 1 << 20, MaxParts: 64, MaxDepth: 6}

// Errors of Parse.
var (
	ErrTooLarge = errors.New("the message is larger than a report may be")
	ErrNoReport = errors.New("no delivery status notification nor complaint report in the message")
)

// verpPrefix starts the local part of a VERP address: b-{token}@domain.
const verpPrefix = "b-"

// TokenOf returns the VERP token of an address (b-{token}@domain), lower
// case, or "" when it is no VERP address.
func TokenOf(address string) string {
	address = strings.TrimSpace(address)
	address = strings.TrimSuffix(strings.TrimPrefix(address, "<"), ">")
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return ""
	}
	local := strings.ToLower(address[:at])
	if !strings.HasPrefix(local, verpPrefix) || len(local) == len(verpPrefix) || len(local) > 64 {
		return ""
	}
	return local[len(verpPrefix):]
}

// kindOf reads a failure's status code (class.subject.detail).
func kindOf(status string) Kind {
	class, subject, detail, ok := splitStatus(status)
	if !ok || class != 5 {
		return Soft
	}
	switch {
	case subject == 1 && (detail == 1 || detail == 2 || detail == 4 || detail == 6 || detail == 10):
		return Hard
	case subject == 2 && detail == 1:
		return Hard
	}
	return Soft
}

// splitStatus reads an RFC 3463 code at the start of s: 5.1.1.
func splitStatus(s string) (class, subject, detail int, ok bool) {
	parts := strings.SplitN(strings.TrimSpace(s), ".", 3)
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	// the detail may be followed by a comment: "5.1.1 (no such user)"
	if i := strings.IndexAny(parts[2], " \t("); i >= 0 {
		parts[2] = parts[2][:i]
	}
	nums := [3]int{}
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return 0, 0, 0, false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, 0, 0, false
			}
			nums[i] = nums[i]*10 + int(c-'0')
		}
	}
	if nums[0] != 2 && nums[0] != 4 && nums[0] != 5 {
		return 0, 0, 0, false
	}
	return nums[0], nums[1], nums[2], true
}
