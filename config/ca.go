package config

import (
	"crypto/x509"
	"os"
)

// caFromEnv reads POSTRIDER_SMTP_CA, the path of a PEM file of certificate
// authorities a mail server's certificate may chain to besides the
// system's (a relay with a private CA). nil when unset: the system's roots.
// A file that cannot be read or holds no certificate is reported through
// bad, so that serve does not start and then fail every delivery.
func caFromEnv(get func(string) string, bad func(name, format string, args ...any)) *x509.CertPool {
	path := get("SMTP_CA")
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		bad("SMTP_CA", "cannot read the certificate file: %v", err)
		return nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // no system roots on this machine: the file's alone
	}
	if !pool.AppendCertsFromPEM(data) {
		bad("SMTP_CA", "%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path)
		return nil
	}
	return pool
}
