package smtpclient

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Internationalized addresses (иван@пример.рф): the domain always goes out
// in its ASCII form (punycode, xn--), in the envelope and in To:, which
// every server takes; a local part that is not ASCII needs a server that
// offers SMTPUTF8 (RFC 6531), and MAIL FROM then says SMTPUTF8. Elsewhere
// such a message is not sent at all: Postfix answers its raw RCPT with
// 501 5.1.3, which would read as a refusal of the mailbox.

// UnsendableError is a message that cannot go to this server as it is,
// known before anything of it is sent: it fails at once, is not retried,
// and is no refusal by the server (nor a bounce of the recipient); the
// session goes on.
type UnsendableError struct{ reason string }

func (e *UnsendableError) Error() string { return "not sent: " + e.reason }

// Unsendable tells whether err is an *UnsendableError.
func Unsendable(err error) bool {
	_, ok := err.(*UnsendableError)
	return ok
}

// asciiDomain is addr with its domain in ASCII, and whether its local part
// is not ASCII (it needs SMTPUTF8).
func asciiDomain(addr string) (ascii string, utf8Local bool, err error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, !isASCII(addr), nil
	}
	local, domain := addr[:at], addr[at+1:]
	if isASCII(domain) {
		return addr, !isASCII(local), nil
	}
	if domain, err = idna.Lookup.ToASCII(domain); err != nil {
		return addr, false, &UnsendableError{reason: "the address's domain is not a valid internationalized domain name"}
	}
	return local + "@" + domain, !isASCII(local), nil
}

// HeaderAddress is addr for the To: header: its domain in ASCII where it
// can be (an address that cannot is not sent: the envelope fails first).
func HeaderAddress(addr string) string {
	ascii, _, err := asciiDomain(addr)
	if err != nil {
		return addr
	}
	return ascii
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
