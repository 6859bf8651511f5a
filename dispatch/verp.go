package dispatch

import (
	"postrider/config"
	"postrider/mailout"
)

// envelopeFrom is the MAIL FROM of a delivery's message: a VERP address
// b-{signed token}@{bounce domain} naming the delivery (mailout/verp.go),
// so that a report sent back after the relay took the message finds it
// (the inbound package). The header From is not this.
func (s *runSender) envelopeFrom(deliveryID string) string {
	return mailout.VERPAddress(s.secret, deliveryID, s.bounceDomain)
}

// bounceDomain is POSTRIDER_BOUNCE_DOMAIN, else the app URL's host.
func (p *pass) bounceDomain() string {
	if p.opts.BounceDomain != "" {
		return p.opts.BounceDomain
	}
	return config.BounceDomainFor(p.app.Settings().Meta.AppURL)
}
