package config

import (
	"net"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
)

// Inbound holds what Postrider needs to hear back about the mail it sent
// (DESIGN "Senders and bounces"):
//   - BounceDomain (POSTRIDER_BOUNCE_DOMAIN): the domain of the VERP
//     envelope senders b-{token}@domain; empty: BounceDomainFor the app URL;
//   - Addr (POSTRIDER_INBOUND_ADDR, host:port): where serve's SMTP listener
//     for that domain listens; empty: no listener;
//   - Secret (POSTRIDER_INBOUND_SECRET): the bearer secret of
//     POST /api/postrider/bounces, besides superusers; empty: superusers only.
type Inbound struct {
	BounceDomain string
	Addr         string
	Secret       string
}

// minInboundSecret is the shortest bearer secret taken: 128 bits as hex.
const minInboundSecret = 32

func inboundFromEnv(get func(string) string, bad func(name, format string, args ...any)) Inbound {
	in := Inbound{
		BounceDomain: strings.ToLower(strings.TrimSuffix(get("BOUNCE_DOMAIN"), ".")),
		Addr:         get("INBOUND_ADDR"),
		Secret:       get("INBOUND_SECRET"),
	}
	if in.BounceDomain != "" && (validation.Validate(in.BounceDomain, is.Domain) != nil || !strings.Contains(in.BounceDomain, ".")) {
		bad("BOUNCE_DOMAIN", "%q is not a domain such as bounces.example.com", in.BounceDomain)
	}
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
