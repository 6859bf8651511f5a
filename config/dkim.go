package config

import (
	"fmt"
	"os"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"

	"postrider/mailout"
)

// dkimFromEnv reads POSTRIDER_DKIM_DOMAIN, _SELECTOR and _KEY (a PEM
// file's path): all three or none. A key that cannot be read is reported
// through bad, as every other mistake, so that serve does not start and
// send unsigned mail that was meant to be signed.
func dkimFromEnv(get func(string) string, bad func(name, format string, args ...any)) *mailout.DKIM {
	domain, selector, path := get("DKIM_DOMAIN"), get("DKIM_SELECTOR"), get("DKIM_KEY")
	if domain == "" && selector == "" && path == "" {
		return nil
	}
	ok := true
	for _, v := range []struct{ name, value string }{{"DKIM_DOMAIN", domain}, {"DKIM_SELECTOR", selector}, {"DKIM_KEY", path}} {
		if v.value == "" {
			bad(v.name, "is not set; DKIM needs %sDKIM_DOMAIN, %sDKIM_SELECTOR and %sDKIM_KEY together", Prefix, Prefix, Prefix)
			ok = false
		}
	}
	if domain != "" && validation.Validate(domain, is.Domain) != nil {
		bad("DKIM_DOMAIN", "%q is not a domain name such as example.com", domain)
		ok = false
	}
	if selector != "" && validation.Validate(selector, is.DNSName) != nil {
		bad("DKIM_SELECTOR", "%q is not a selector (letters, digits, dashes and dots, such as postrider)", selector)
		ok = false
	}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		bad("DKIM_KEY", "cannot read the key file: %v", err)
		return nil
	}
	key, err := mailout.ParseDKIMKey(data)
	if err != nil {
		bad("DKIM_KEY", "%s: %v", path, err)
		return nil
	}
	if !ok {
		return nil
	}
	d, err := mailout.NewDKIM(domain, selector, key)
	if err != nil {
		bad("DKIM_KEY", "%v", err)
		return nil
	}
	return d
}

// DKIMSummary says in one line what signs and where its public key goes,
// for the startup log.
func DKIMSummary(d *mailout.DKIM) string {
	return fmt.Sprintf("%s TXT %q", d.TXTName(), d.TXTRecord())
}
