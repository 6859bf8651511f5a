package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"postrider/internal/dkimtest"
)

func TestDKIMFromEnv(t *testing.T) {
	_, keyPath := dkimtest.KeyFile(t, "ed25519")
	c, err := FromEnv(env(map[string]string{
		"POSTRIDER_DKIM_DOMAIN": "example.com", "POSTRIDER_DKIM_SELECTOR": "postrider", "POSTRIDER_DKIM_KEY": keyPath,
	}))
	if err != nil || c.DKIM == nil || c.DKIM.TXTName() != "postrider._domainkey.example.com" ||
		!strings.HasPrefix(c.DKIM.TXTRecord(), "v=DKIM1; k=ed25519; p=") {
		t.Fatalf("DKIM from the environment: %+v, %v", c.DKIM, err)
	}
	if c, err := FromEnv(env(nil)); err != nil || c.DKIM != nil {
		t.Fatalf("without the variables DKIM is off: %+v, %v", c.DKIM, err)
	}
}

// A key that cannot be used stops startup with the variable named: mail
// meant to be signed never goes out unsigned.
func TestDKIMFromEnvRefusesWhatCannotSign(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
	_, good := dkimtest.KeyFile(t, "rsa")
	ok := map[string]string{"POSTRIDER_DKIM_DOMAIN": "example.com", "POSTRIDER_DKIM_SELECTOR": "s1", "POSTRIDER_DKIM_KEY": good}
	for _, c := range []struct{ name, value, want, says string }{
		{"POSTRIDER_DKIM_KEY", "/nonexistent/dkim.pem", "POSTRIDER_DKIM_KEY", "no such file"},
		{"POSTRIDER_DKIM_KEY", garbage, "POSTRIDER_DKIM_KEY", "not a readable private key"},
		{"POSTRIDER_DKIM_KEY", "", "POSTRIDER_DKIM_KEY", "is not set"},
		{"POSTRIDER_DKIM_SELECTOR", "", "POSTRIDER_DKIM_SELECTOR", "is not set"},
		{"POSTRIDER_DKIM_SELECTOR", "two words", "POSTRIDER_DKIM_SELECTOR", "two words"},
		{"POSTRIDER_DKIM_DOMAIN", "localhost", "POSTRIDER_DKIM_DOMAIN", "localhost"},
	} {
		vars := map[string]string{}
		for k, v := range ok {
			vars[k] = v
		}
		vars[c.name] = c.value
		cfg, err := FromEnv(env(vars))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s=%q: %v; want an error naming %s and saying %q", c.name, c.value, err, c.want, c.says)
		}
		if cfg.DKIM != nil {
			t.Errorf("%s=%q: a signer was made anyway", c.name, c.value)
		}
	}
}
