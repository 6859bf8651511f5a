package config

import (
	"net"
	"strings"
)

// Inbound holds what Postrider needs to hear back about the mail it sent
// (DESIGN "Senders and bounces"), besides the bounce domain (Config.BounceDomain):
//   - Addr (POSTRIDER_INBOUND_ADDR, host:port): where serve's SMTP listener
//     for that domain listens; empty: no listener;
//   - Secret (POSTRIDER_INBOUND_SECRET): the bearer secret of
//     POST /api/postrider/bounces, besides superusers; empty: superusers only.
type Inbound struct {
	Addr   string
	Secret string
}

// minInboundSecret is the shortest bearer secret taken: 128 bits as hex.
const minInboundSecret = 32

func inboundFromEnv(get func(string) string, bad func(name, format string, args ...any)) Inbound {
	in := Inbound{Addr: get("INBOUND_ADDR"), Secret: get("INBOUND_SECRET")}
	if in.Addr != "" {
		if _, port, err := net.SplitHostPort(in.Addr); err != nil || port == "" {
			bad("INBOUND_ADDR", "%q is not a host:port such as 0.0.0.0:25 or 127.0.0.1:2525", in.Addr)
		}
	}
	if in.Secret != "" && len(in.Secret) < minInboundSecret {
		bad("INBOUND_SECRET", "is %d characters; it takes at least %d (openssl rand -hex 32 makes one)", len(in.Secret), minInboundSecret)
	}
	return in
}

// BounceDomainFor is the bounce domain when none is set: the app URL's
// host, or, for a local app URL (an IP address, localhost), the domain of
// DefaultSender (postrider.localhost), which no mail system resolves but
// which is a domain all the same.
func BounceDomainFor(appURL string) string {
	sender := DefaultSender(appURL)
	return sender[strings.LastIndexByte(sender, '@')+1:]
}
