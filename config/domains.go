package config

import (
	"net"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
)

// domainsFromEnv reads what users' sending domains are checked against:
// POSTRIDER_DNS_SERVER (host:port of the resolver the check asks; empty:
// the system's), POSTRIDER_BOUNCE_DOMAIN and POSTRIDER_SPF_INCLUDE (empty:
// derived from the app URL, see BounceDomainFor and SPFIncludeFor).
func domainsFromEnv(c *Config, get func(string) string, bad func(name, format string, args ...any)) {
	c.DNSServer = get("DNS_SERVER")
	if c.DNSServer != "" {
		if host, port, err := net.SplitHostPort(c.DNSServer); err != nil || host == "" || port == "" {
			bad("DNS_SERVER", "%q is not host:port, such as 127.0.0.1:53", c.DNSServer)
		}
	}
	c.BounceDomain = strings.TrimSuffix(strings.ToLower(get("BOUNCE_DOMAIN")), ".")
	c.SPFInclude = strings.TrimSuffix(strings.ToLower(get("SPF_INCLUDE")), ".")
	for _, v := range []struct{ name, value string }{{"BOUNCE_DOMAIN", c.BounceDomain}, {"SPF_INCLUDE", c.SPFInclude}} {
		if v.value != "" && (validation.Validate(v.value, is.Domain) != nil || !strings.Contains(v.value, ".")) {
			bad(v.name, "%q is not a domain name such as mail.example.com", v.value)
		}
	}
}

// BounceDomainFor is the domain of the service's return path (the VERP
// MAIL FROM of every mailing message, dispatch/verp.go):
// POSTRIDER_BOUNCE_DOMAIN, else the app URL's (BounceDomainFor).
func (c Config) BounceDomainFor(appURL string) string {
	if c.BounceDomain != "" {
		return c.BounceDomain
	}
	return BounceDomainFor(appURL)
}

// SPFIncludeFor is the domain users' SPF records include:
// POSTRIDER_SPF_INCLUDE, else the bounce domain. The bounce domain needs an
// SPF record naming the service's relays anyway (it is the MAIL FROM of
// every message, and the target of users' return-path CNAMEs), so one
// record the operator publishes serves both.
func (c Config) SPFIncludeFor(appURL string) string {
	if c.SPFInclude != "" {
		return c.SPFInclude
	}
	return c.BounceDomainFor(appURL)
}
