package dnscheck_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"postrider/internal/dnscheck"
	"postrider/internal/dnstest"
)

var want = dnscheck.Want{
	Domain: "shop.example", Selector: "postrider-abc123", DKIMKey: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + strings.Repeat("x", 300),
	SPFInclude: "mail.service.example", ReturnPath: "bounces.shop.example", BounceDomain: "mail.service.example",
}

// publish puts every record of w on s, as a user would copy them.
func publish(s *dnstest.Server, w dnscheck.Want) {
	s.TXT(dnscheck.DKIMName(w.Selector, w.Domain), "v=DKIM1; k=rsa; p="+w.DKIMKey)
	s.TXT(w.Domain, "google-site-verification=abc")
	s.TXT(w.Domain, "v=spf1 include:_spf.google.com include:"+w.SPFInclude+" ~all")
	s.TXT(dnscheck.DMARCName(w.Domain), "v=DMARC1; p=none; rua=mailto:dmarc@"+w.Domain)
	s.CNAME(w.ReturnPath, w.BounceDomain+".")
}

func reasons(rs []dnscheck.Result) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		if r.OK != (r.Reason == dnscheck.OK) {
			panic("ok and reason disagree: " + r.Kind)
		}
		out[r.Kind] = r.Reason
	}
	return out
}

func check(t *testing.T, s *dnstest.Server, w dnscheck.Want, wantReasons map[string]string) []dnscheck.Result {
	t.Helper()
	rs := dnscheck.Resolver{Server: s.Addr}.Check(context.Background(), w)
	got := reasons(rs)
	for kind, reason := range wantReasons {
		if got[kind] != reason {
			t.Errorf("%s: %q, want %q (%+v)", kind, got[kind], reason, rs)
		}
	}
	if len(rs) != 4 {
		t.Errorf("%d results, want 4", len(rs))
	}
	return rs
}

func TestADomainWithEveryRecordHoldsAll(t *testing.T) {
	s := dnstest.Start(t)
	publish(s, want)
	rs := check(t, s, want, map[string]string{"dkim": "ok", "spf": "ok", "dmarc": "ok", "return_path": "ok"})
	if !strings.Contains(rs[1].Found, "include:"+want.SPFInclude) {
		t.Errorf("SPF found %q, want the record", rs[1].Found)
	}
	// one query per record
	if s.Queries() != 4 {
		t.Errorf("%d queries, want 4", s.Queries())
	}
}

func TestADomainWithNoRecordsHoldsNone(t *testing.T) {
	s := dnstest.Start(t)
	check(t, s, want, map[string]string{"dkim": "missing", "spf": "missing", "dmarc": "missing", "return_path": "missing"})
}

func TestAWrongOrBrokenRecordSaysWhy(t *testing.T) {
	s := dnstest.Start(t)
	publish(s, want)
	other := want
	other.DKIMKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAotherkey"
	check(t, s, other, map[string]string{"dkim": "wrong_key", "spf": "ok"})

	s.TXT(want.Domain, "v=spf1 -all")
	s.TXT(dnscheck.DMARCName(want.Domain), "v=DMARC1; p=reject")
	check(t, s, want, map[string]string{"dkim": "ok", "spf": "several", "dmarc": "several"})

	s.Clear(want.Domain)
	s.TXT(want.Domain, "v=spf1 include:_spf.google.com -include:"+want.SPFInclude+" ~all")
	s.Clear(dnscheck.DMARCName(want.Domain))
	s.TXT(dnscheck.DMARCName(want.Domain), "v=DMARC1; rua=mailto:x@shop.example")
	s.Clear(want.ReturnPath)
	s.CNAME(want.ReturnPath, "bounces.elsewhere.example")
	s.Clear(dnscheck.DKIMName(want.Selector, want.Domain))
	s.TXT(dnscheck.DKIMName(want.Selector, want.Domain), "v=DKIM1; k=rsa; p=")
	rs := check(t, s, want, map[string]string{"dkim": "revoked", "spf": "no_include", "dmarc": "no_policy", "return_path": "wrong_target"})
	if rs[3].Found != "bounces.elsewhere.example" {
		t.Errorf("return path found %q, want where it points", rs[3].Found)
	}
}

func TestAServerThatDoesNotAnswerFailsTheLookup(t *testing.T) {
	// a UDP port nobody listens on: the kernel refuses at once
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	rs := dnscheck.Resolver{Server: addr}.Check(context.Background(), want)
	for _, r := range rs {
		if r.OK || r.Reason != dnscheck.LookupFailed || r.Found == "" {
			t.Errorf("%+v, want a failed lookup with its error", r)
		}
	}
}

func TestAResolverNeedsHostAndPort(t *testing.T) {
	if _, err := dnscheck.DefaultResolver("127.0.0.1"); err == nil {
		t.Error("a server without a port was taken")
	}
	if r, err := dnscheck.DefaultResolver("127.0.0.1:5353"); err != nil || r.Server != "127.0.0.1:5353" {
		t.Errorf("%+v %v", r, err)
	}
}

func TestDomainName(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM":    "example.com",
		" shop.example.": "shop.example",
		"пример.рф":      "xn--e1afmkfd.xn--p1ai",
		"Mail.Bücher.de": "mail.xn--bcher-kva.de",
	} {
		if got, err := dnscheck.DomainName(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "localhost", "1.2.3.4", "::1", "exa mple.com", "-x.com", "a..com", "x.123", "under_score.com", "x@y.com", strings.Repeat("a", 64) + ".com"} {
		if got, err := dnscheck.DomainName(in); err == nil {
			t.Errorf("%q taken as %q", in, got)
		}
	}
}

// The records to publish are what Check looks for: published as they
// are, every one holds.
func TestTheRecordsToPublishHold(t *testing.T) {
	s := dnstest.Start(t)
	for _, r := range want.Records() {
		if r.Type == "CNAME" {
			s.CNAME(r.Name, r.Value)
		} else {
			s.TXT(r.Name, r.Value)
		}
	}
	check(t, s, want, map[string]string{"dkim": "ok", "spf": "ok", "dmarc": "ok", "return_path": "ok"})
	if got := dnscheck.DKIMKeyOf(want.Records()[0].Value); got != want.DKIMKey {
		t.Errorf("the key of the DKIM record: %q", got)
	}
}
