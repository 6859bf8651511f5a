package smtpclient

import (
	"net"
	"net/url"
	"os"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"golang.org/x/net/idna"
)

// HeloName is the EHLO name for a service at appURL: its host, the name
// receiving servers see in Received: and may check against the client's
// address. Never "localhost" (RFC 5321 §4.1.4 wants the client's own
// name): for a local app URL (localhost, *.localhost, an IP address) this
// machine's name when it is a fully qualified one, else an address literal
// of the app URL's IP, else postrider.localhost.
func HeloName(appURL string) string {
	host := ""
	if u, err := url.Parse(appURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	if !isLocalName(host) && net.ParseIP(host) == nil {
		if ascii, err := idna.Lookup.ToASCII(host); err == nil && isHostName(ascii) {
			return ascii
		}
	}
	if h, err := os.Hostname(); err == nil {
		if h = strings.ToLower(h); !isLocalName(h) && isHostName(h) {
			return h
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() != nil {
			return "[" + ip.String() + "]"
		}
		return "[IPv6:" + ip.String() + "]"
	}
	return "postrider.localhost"
}

func isLocalName(host string) bool {
	return host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "localhost.localdomain"
}

// isHostName tells whether name is a fully qualified domain name.
func isHostName(name string) bool {
	return strings.Contains(name, ".") && validation.Validate(name, is.Domain) == nil
}
