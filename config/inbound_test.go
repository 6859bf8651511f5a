package config

import (
	"strings"
	"testing"
)

func TestInboundFromEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	c, err := FromEnv(env(map[string]string{
		"POSTRIDER_BOUNCE_DOMAIN":  "Bounces.Example.com.",
		"POSTRIDER_INBOUND_ADDR":   "127.0.0.1:2525",
		"POSTRIDER_INBOUND_SECRET": strings.Repeat("s", 32),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BounceDomain != "bounces.example.com" || c.Inbound.Addr != "127.0.0.1:2525" {
		t.Errorf("inbound = %+v", c.Inbound)
	}
	for name, value := range map[string]string{
		"BOUNCE_DOMAIN":  "not a domain",
		"INBOUND_ADDR":   "2525",
		"INBOUND_SECRET": "short",
	} {
		_, err := FromEnv(env(map[string]string{Prefix + name: value}))
		if err == nil || !strings.Contains(err.Error(), Prefix+name) {
			t.Errorf("%s=%q: err = %v, want one naming the variable", name, value, err)
		}
	}
	for appURL, want := range map[string]string{
		"https://mail.example.com": "mail.example.com",
		"http://127.0.0.1:8090":    "postrider.localhost",
	} {
		if got := BounceDomainFor(appURL); got != want {
			t.Errorf("BounceDomainFor(%q) = %q, want %q", appURL, got, want)
		}
	}
}
