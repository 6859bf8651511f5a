// Package dnscheck looks up the DNS records a sending domain publishes for
// Postrider (DKIM, SPF, DMARC and the return path) and says, for each,
// whether it holds and why not.
//
// A check is a few DNS queries made on a user's behalf, so it is bounded:
// one query per record (a second, over TCP, only when the UDP answer was
// truncated), each with its own timeout, all under the caller's context.
package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Want is what a domain should publish.
type Want struct {
	Domain       string // ASCII, lowercase, no final dot
	Selector     string // DKIM selector
	DKIMKey      string // the base64 public key, the p= of the DKIM record
	SPFInclude   string // the domain the SPF record must include
	ReturnPath   string // the name of the return-path CNAME
	BounceDomain string // what that CNAME must point at
}

// Kinds of record, in the order Check answers them.
const (
	DKIM       = "dkim"
	SPF        = "spf"
	DMARC      = "dmarc"
	ReturnPath = "return_path"
)

// Reasons a record does not hold (or OK).
const (
	OK           = "ok"
	Missing      = "missing"       // no such record
	Several      = "several"       // more than one where one is allowed
	WrongKey     = "wrong_key"     // DKIM: another key is published
	Revoked      = "revoked"       // DKIM: p= is empty
	NoInclude    = "no_include"    // SPF: the service's include is not in it
	NoPolicy     = "no_policy"     // DMARC: no p= tag
	WrongTarget  = "wrong_target"  // return path: points elsewhere
	LookupFailed = "lookup_failed" // the resolver did not answer, or failed
)

// Result is what Check found for one record.
type Result struct {
	Kind   string `json:"kind"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	// Found is what DNS holds there (records joined by " | ", cut to
	// MaxFound bytes), or the lookup's error
	Found string `json:"found"`
}

// MaxFound is the most of a found record a Result carries.
const MaxFound = 512

// QueryTimeout is how long one DNS query may take.
const QueryTimeout = 3 * time.Second

// Resolver asks one DNS server (host:port).
type Resolver struct {
	Server string
}

// SystemServer is the first name server of /etc/resolv.conf as host:port.
func SystemServer() (string, error) {
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return "", fmt.Errorf("reading the system's resolver: %w", err)
	}
	if len(conf.Servers) == 0 {
		return "", errors.New("the system names no DNS server (/etc/resolv.conf)")
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// DefaultResolver asks server, or the system's resolver when server is "".
func DefaultResolver(server string) (Resolver, error) {
	if server == "" {
		s, err := SystemServer()
		if err != nil {
			return Resolver{}, err
		}
		server = s
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		return Resolver{}, fmt.Errorf("%q is no host:port: %v", server, err)
	}
	return Resolver{Server: server}, nil
}

// Check looks up the four records of w, in the order DKIM, SPF, DMARC,
// return path: four queries at most (and a TCP retry for a truncated
// answer).
func (r Resolver) Check(ctx context.Context, w Want) []Result {
	return []Result{
		r.checkDKIM(ctx, w),
		r.checkSPF(ctx, w),
		r.checkDMARC(ctx, w),
		r.checkReturnPath(ctx, w),
	}
}

// DKIMName is where the DKIM record of selector and domain is published.
func DKIMName(selector, domain string) string { return selector + "._domainkey." + domain }

// DMARCName is where the DMARC record of domain is published.
func DMARCName(domain string) string { return "_dmarc." + domain }

func (r Resolver) checkDKIM(ctx context.Context, w Want) Result {
	txts, err := r.TXT(ctx, DKIMName(w.Selector, w.Domain))
	res := Result{Kind: DKIM, Found: found(txts, err)}
	if err != nil {
		res.Reason = LookupFailed
		return res
	}
	var keys []string
	for _, t := range txts {
		tags := parseTags(t)
		if p, ok := tags["p"]; ok && (tags["v"] == "" || tags["v"] == "DKIM1") {
			keys = append(keys, strings.Join(strings.Fields(p), ""))
		}
	}
	switch {
	case len(keys) == 0:
		res.Reason = Missing
	case len(keys) > 1:
		// RFC 6376 §3.6.2.2: a verifier may take any one of them
		res.Reason = Several
	case keys[0] == "":
		res.Reason = Revoked
	case keys[0] != w.DKIMKey:
		res.Reason = WrongKey
	default:
		res.OK, res.Reason = true, OK
	}
	return res
}

func (r Resolver) checkSPF(ctx context.Context, w Want) Result {
	txts, err := r.TXT(ctx, w.Domain)
	res := Result{Kind: SPF}
	if err != nil {
		res.Reason, res.Found = LookupFailed, err.Error()
		return res
	}
	var spf []string
	for _, t := range txts {
		if f := strings.Fields(t); len(f) > 0 && strings.EqualFold(f[0], "v=spf1") {
			spf = append(spf, t)
		}
	}
	res.Found = found(spf, nil)
	switch {
	case len(spf) == 0:
		res.Reason = Missing
	case len(spf) > 1:
		// RFC 7208 §4.5: two SPF records are a permanent error
		res.Reason = Several
	case !hasInclude(spf[0], w.SPFInclude):
		res.Reason = NoInclude
	default:
		res.OK, res.Reason = true, OK
	}
	return res
}

// hasInclude tells whether the SPF record includes domain (with any
// qualifier but "-", which would exclude it).
func hasInclude(record, domain string) bool {
	for _, term := range strings.Fields(record) {
		term = strings.TrimLeft(term, "+~?")
		if v, ok := strings.CutPrefix(strings.ToLower(term), "include:"); ok && strings.TrimSuffix(v, ".") == domain {
			return true
		}
	}
	return false
}

func (r Resolver) checkDMARC(ctx context.Context, w Want) Result {
	txts, err := r.TXT(ctx, DMARCName(w.Domain))
	res := Result{Kind: DMARC}
	if err != nil {
		res.Reason, res.Found = LookupFailed, err.Error()
		return res
	}
	var dmarc []string
	for _, t := range txts {
		// RFC 7489 §6.4: v=DMARC1 comes first
		if v, _, _ := strings.Cut(t, ";"); strings.EqualFold(strings.ReplaceAll(v, " ", ""), "v=DMARC1") {
			dmarc = append(dmarc, t)
		}
	}
	res.Found = found(dmarc, nil)
	switch {
	case len(dmarc) == 0:
		res.Reason = Missing
	case len(dmarc) > 1:
		// RFC 7489 §6.6.3: more than one record is as none
		res.Reason = Several
	case parseTags(dmarc[0])["p"] == "":
		res.Reason = NoPolicy
	default:
		res.OK, res.Reason = true, OK
	}
	return res
}

func (r Resolver) checkReturnPath(ctx context.Context, w Want) Result {
	answer, err := r.query(ctx, w.ReturnPath, dns.TypeCNAME)
	res := Result{Kind: ReturnPath}
	if err != nil {
		res.Reason, res.Found = LookupFailed, err.Error()
		return res
	}
	var targets []string
	for _, rr := range answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(strings.TrimSuffix(c.Hdr.Name, "."), w.ReturnPath) {
			targets = append(targets, strings.ToLower(strings.TrimSuffix(c.Target, ".")))
		}
	}
	res.Found = found(targets, nil)
	switch {
	case len(targets) == 0:
		res.Reason = Missing
	case targets[0] != strings.ToLower(w.BounceDomain):
		res.Reason = WrongTarget
	default:
		res.OK, res.Reason = true, OK
	}
	return res
}

// TXT is the TXT records at name, each one's strings joined (RFC 7208
// §3.3, RFC 6376 §3.6.2.2); none when the name does not exist.
func (r Resolver) TXT(ctx context.Context, name string) ([]string, error) {
	answer, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out, nil
}

// query asks the server for name's records of type qtype: the answer
// section, empty for a name that does not exist (NXDOMAIN) or has none.
func (r Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(1232, false)
	c := &dns.Client{Net: "udp", Timeout: QueryTimeout}
	in, _, err := c.ExchangeContext(ctx, m, r.Server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, r.Server)
	}
	if err != nil {
		return nil, fmt.Errorf("no answer from the DNS server: %w", err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
		return in.Answer, nil
	default:
		return nil, fmt.Errorf("the DNS server answered %s", dns.RcodeToString[in.Rcode])
	}
}

// parseTags reads a tag=value list (RFC 6376 §3.2; DMARC uses the same).
func parseTags(s string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok {
			tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return tags
}

// found is what a Result shows of records, or of err.
func found(records []string, err error) string {
	if err != nil {
		return err.Error()
	}
	s := strings.Join(records, " | ")
	if len(s) > MaxFound {
		s = strings.ToValidUTF8(s[:MaxFound], "") + "…"
	}
	return s
}
