// Package dnstest is a DNS server in the test's process (github.com/miekg/dns)
// that answers from records the test sets: the resolver a test points
// POSTRIDER_DNS_SERVER at.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server answers UDP queries on a loopback port with the records set on it,
// authoritatively: NXDOMAIN for a name it holds nothing for.
type Server struct {
	Addr string // host:port

	mu      sync.Mutex
	records map[string][]dns.RR // by lowercase FQDN
	queries int
}

// Start starts a server; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: pc.LocalAddr().String(), records: map[string][]dns.RR{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

// TXT adds a TXT record at name; a value longer than 255 bytes is split
// into strings as a zone file would.
func (s *Server) TXT(name, value string) {
	var parts []string
	for len(value) > 255 {
		parts, value = append(parts, value[:255]), value[255:]
	}
	parts = append(parts, value)
	s.add(&dns.TXT{Hdr: s.hdr(name, dns.TypeTXT), Txt: parts})
}

// CNAME adds a CNAME record at name.
func (s *Server) CNAME(name, target string) {
	s.add(&dns.CNAME{Hdr: s.hdr(name, dns.TypeCNAME), Target: dns.Fqdn(target)})
}

// Clear removes every record at name.
func (s *Server) Clear(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, key(name))
}

// Queries is how many queries the server has answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *Server) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: 60}
}

func (s *Server) add(rr dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(rr.Header().Name)
	s.records[k] = append(s.records[k], rr)
}

func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// ServeDNS answers the records of the question's name and type.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	s.mu.Lock()
	s.queries++
	if len(r.Question) == 1 {
		q := r.Question[0]
		rrs, ok := s.records[key(q.Name)]
		if !ok {
			m.Rcode = dns.RcodeNameError
		}
		for _, rr := range rrs {
			if rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, dns.Copy(rr))
			}
		}
	}
	s.mu.Unlock()
	w.WriteMsg(m)
}
