package mailout

import "strings"

// RFC 5321 §4.5.3.1's limits on what a server must accept: a local part of
// 64 octets, a domain of 255, a path ("<" address ">") of 256.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxAddress   = 256 - len("<>")
)

// AddressFits tells whether an address is within RFC 5321's lengths. An
// address past them is refused by servers at RCPT TO, and its To header
// could pass RFC 5322's 998 octets on one line, so Postrider refuses to
// keep one (a client, a sender, a user), naming the limit.
func AddressFits(address string) bool {
	at := strings.LastIndexByte(address, '@')
	return at >= 0 && len(address) <= maxAddress && at <= maxLocalPart && len(address)-at-1 <= maxDomain
}

// AddressTooLong is the message for an address AddressFits refuses.
const AddressTooLong = "An email address is at most 254 characters, 64 of them before the @ (RFC 5321)."
