package config

import (
	"strings"
	"testing"
)

// The bounce domain and the SPF include follow the app URL's host until
// set; each variable is checked and named when wrong.
func TestDomainsVariables(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BounceDomainFor("https://Mail.Example.com:8443"); got != "mail.example.com" {
		t.Errorf("bounce domain by default: %q, want the app URL's host", got)
	}
	if got := c.SPFIncludeFor("https://mail.example.com"); got != "mail.example.com" {
		t.Errorf("SPF include by default: %q, want the bounce domain", got)
	}
	c, err = FromEnv(env(map[string]string{"POSTRIDER_BOUNCE_DOMAIN": "Bounces.Example.com.", "POSTRIDER_DNS_SERVER": "127.0.0.1:5353"}))
	if err != nil || c.BounceDomainFor("https://mail.example.com") != "bounces.example.com" ||
		c.SPFIncludeFor("https://mail.example.com") != "bounces.example.com" || c.DNSServer != "127.0.0.1:5353" {
		t.Errorf("set: %+v %v", c, err)
	}
	c, err = FromEnv(env(map[string]string{"POSTRIDER_SPF_INCLUDE": "spf.example.com"}))
	if err != nil || c.SPFIncludeFor("https://mail.example.com") != "spf.example.com" {
		t.Errorf("SPF include set: %q %v", c.SPFInclude, err)
	}
	for name, value := range map[string]string{
		"POSTRIDER_DNS_SERVER":    "127.0.0.1",
		"POSTRIDER_BOUNCE_DOMAIN": "bounces",
		"POSTRIDER_SPF_INCLUDE":   "spf example.com",
	} {
		_, err := FromEnv(env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%q: want an error naming both, got %v", name, value, err)
		}
	}
}
