package dnscheck

import (
	"errors"
	"net"
	"strings"

	"golang.org/x/net/idna"
)

// Record is one DNS record a user publishes, ready to copy.
type Record struct {
	Kind  string `json:"kind"`  // DKIM, SPF, DMARC or ReturnPath
	Type  string `json:"type"`  // TXT or CNAME
	Name  string `json:"name"`  // the full name (host) it goes at
	Value string `json:"value"` // what it holds
}

// Records are the records w asks for, in Check's order:
//   - DKIM: the TXT of the key the server made, at selector._domainkey;
//   - SPF: at the domain, including the service's SPF domain (~all: a
//     soft fail for others, which a user with their own SPF record merges
//     into theirs: one SPF record only);
//   - DMARC: p=none to start with, which asks receivers for reports
//     (rua) and changes nothing of how they treat mail: a source of the
//     domain's mail the user forgot (their office mail, a shop) shows in
//     the reports before a stricter policy (quarantine, reject) could
//     lose its mail;
//   - the return path: a CNAME from bounces.<domain> to the service's
//     bounce domain, so that mail can go out with MAIL FROM on the user's
//     domain (aligned for SPF) while the bounces, sent to that name's MX,
//     reach the service, and SPF checks the service's own record.
func (w Want) Records() []Record {
	return []Record{
		{Kind: DKIM, Type: "TXT", Name: DKIMName(w.Selector, w.Domain), Value: "v=DKIM1; k=rsa; p=" + w.DKIMKey},
		{Kind: SPF, Type: "TXT", Name: w.Domain, Value: "v=spf1 include:" + w.SPFInclude + " ~all"},
		{Kind: DMARC, Type: "TXT", Name: DMARCName(w.Domain), Value: "v=DMARC1; p=none; rua=mailto:dmarc@" + w.Domain},
		{Kind: ReturnPath, Type: "CNAME", Name: w.ReturnPath, Value: w.BounceDomain},
	}
}

// ReturnPathName is the name of domain's return-path CNAME.
func ReturnPathName(domain string) string { return "bounces." + domain }

// DKIMKeyOf is the p= of a DKIM TXT value.
func DKIMKeyOf(txt string) string { return strings.Join(strings.Fields(parseTags(txt)["p"]), "") }

// ErrNotADomain: what DomainName refuses.
var ErrNotADomain = errors.New("not a domain name")

// DomainName is s as DNS knows it: ASCII (punycode for an internationalized
// name), lowercase, without a final dot; an error for anything that is not
// a domain one can send from: an IP address, a name without a dot, a label
// that DNS does not take.
func DomainName(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" || len(s) > 253 || net.ParseIP(s) != nil || !strings.Contains(s, ".") {
		return "", ErrNotADomain
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", ErrNotADomain
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return "", ErrNotADomain
		}
	}
	// a top-level domain is never all digits (RFC 3696 §2)
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" || len(ascii) > 253 {
		return "", ErrNotADomain
	}
	return ascii, nil
}
