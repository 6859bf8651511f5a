// Package config reads Postrider's settings from the environment (and a .env
// file) and lays them over the settings kept in the database.
package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/tools/cron"

	"postrider/mailout"
)

// Prefix starts the name of every variable Postrider reads.
const Prefix = "POSTRIDER_"

// Config holds what the environment says; empty values leave the
// dashboard's settings as they are.
type Config struct {
	AppURL       string
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPTLS      string // "none", "starttls" or "tls"
	// SMTPRootCAs are the roots a mail server's certificate must chain
	// to: the system's, plus the PEM file of POSTRIDER_SMTP_CA; nil = the system's
	SMTPRootCAs *x509.CertPool
	// HELO is the name given in EHLO (POSTRIDER_HELO); empty: the dashboard's
	// SMTP local name, else one taken from the app URL (dispatch.LocalName)
	HELO string
	// SMTPDataTimeout is how long the dispatcher waits for the server's
	// reply after a message's final dot
	SMTPDataTimeout time.Duration
	SenderAddress   string
	SenderName      string

	DispatchCron string // cron expression of the dispatcher inside serve; DispatchOff: none

	DispatchWorkers int     // SMTP connections used at once
	DispatchRate    float64 // messages per second, 0 = no limit
	// ClaimChunk is how many of the owner's clients a claim reads in one
	// transaction (POSTRIDER_CLAIM_CHUNK)
	ClaimChunk int

	// RetryDelays is the back-off between the tries of a delivery that met
	// a temporary failure, the last one repeating (POSTRIDER_RETRY_DELAYS);
	// RetryFor is how long after its run began a delivery is tried at all
	// (POSTRIDER_RETRY_FOR)
	RetryDelays []time.Duration
	RetryFor    time.Duration

	// NewUserDailyLimit is the daily_limit every new account gets
	// (POSTRIDER_NEW_USER_DAILY_LIMIT, messages a day); 0 = none
	NewUserDailyLimit int

	// DKIM signs every message when POSTRIDER_DKIM_DOMAIN, _SELECTOR and
	// _KEY are set; nil leaves it to the dashboard's dkim collection
	DKIM *mailout.DKIM

	// users' sending domains (config/domains.go): the resolver their check
	// asks (empty: the system's), the service's bounce domain and the
	// domain their SPF includes (empty: derived from the app URL)
	DNSServer, BounceDomain, SPFInclude string

	// Inbound: the listener and the route's secret (inbound.go)
	Inbound Inbound

	// LogRetentionDays: deliveries of runs finished longer ago are deleted
	// each night (retention.go); 0 keeps them all
	LogRetentionDays int
	// Approval is POSTRIDER_APPROVAL (approval.go): ApprovalOff,
	// ApprovalNewUsers or ApprovalAll; "" counts as off
	Approval string
	// Health: the thresholds of the automatic stops (health.go)
	Health Health

	// BlogDir holds the blog's templates (pb_hooks/blog); not
	// from the environment: main sets it from --blogDir
	BlogDir string
}

// Defaults for the variables that have one.
const (
	DefaultDispatchCron = "*/5 * * * *"
	// DispatchOff as POSTRIDER_DISPATCH_CRON: `serve` sends nothing (neither
	// its timer nor its cron); `postrider dispatch` does, run by hand or by
	// the system's cron, on this machine or another
	DispatchOff            = "off"
	DefaultDispatchWorkers = 4
	// chunks of 500 clients: another process's longest write wait during
	// a 1,000,000-recipient claim 0.7 s, against 1.4 s with 2,000
	// (docs/benchmarks/2026-12-05-claim-in-chunks.md)
	DefaultClaimChunk = 500
	// RFC 5321 §4.5.3.2.6: a server may take its time after the final dot,
	// and a client that gives up early may send the message twice
	DefaultSMTPDataTimeout = 10 * time.Minute
	// RFC 5321 §4.5.4.1: retries at least 30 minutes apart once the first
	// ones failed, and a give-up time of at least 4-5 days; Postfix backs
	// off from 5 minutes to 66 and gives up after 5 days. A relay's 421 is
	// most often a brief limit, so the first tries come sooner.
	DefaultRetryFor = 5 * 24 * time.Hour
)

// DefaultRetryDelays: tries at 0 s, 1 s, 6 s, 36 s, 2.6 min, 7.6, 17.6,
// 37.6 and 77.6 min, then every hour until RetryFor has passed.
var DefaultRetryDelays = []time.Duration{
	time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour,
}

// Load reads .env from the working directory when it exists (variables
// already set win over it), then the environment.
func Load() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf(".env: %w", err)
	}
	return FromEnv(os.Getenv)
}

// FromEnv parses and checks the variables read through getenv.
// Every error names the variable it is about.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(Prefix + name)) }
	c := Config{
		AppURL:          strings.TrimRight(get("APP_URL"), "/"),
		SMTPHost:        get("SMTP_HOST"),
		SMTPUsername:    get("SMTP_USERNAME"),
		SMTPPassword:    getenv(Prefix + "SMTP_PASSWORD"), // spaces may be part of a password
		SMTPTLS:         strings.ToLower(get("SMTP_TLS")),
		HELO:            strings.ToLower(get("HELO")),
		SenderAddress:   get("SENDER_ADDRESS"),
		SenderName:      get("SENDER_NAME"),
		DispatchCron:    get("DISPATCH_CRON"),
		DispatchWorkers: DefaultDispatchWorkers,
		ClaimChunk:      DefaultClaimChunk,
		SMTPDataTimeout: DefaultSMTPDataTimeout,
		RetryDelays:     DefaultRetryDelays,
		RetryFor:        DefaultRetryFor,
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", Prefix, name, fmt.Sprintf(format, args...)))
	}

	if c.AppURL != "" {
		if u, err := url.Parse(c.AppURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("APP_URL", "%q is not an http(s) address such as https://mail.example.com", c.AppURL)
		}
	}
	if v := get("SMTP_PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			bad("SMTP_PORT", "%q is not a port number (1-65535)", v)
		}
		c.SMTPPort = port
	}
	switch c.SMTPTLS {
	case "", "none", "starttls", "tls":
	default:
		bad("SMTP_TLS", "%q is not one of none, starttls, tls", c.SMTPTLS)
	}
	if c.HELO != "" && (validation.Validate(c.HELO, is.Domain) != nil || !strings.Contains(c.HELO, ".")) {
		bad("HELO", "%q is not a host name such as mail.example.com", c.HELO)
	}
	c.SMTPRootCAs = caFromEnv(get, bad)
	if v := get("SMTP_DATA_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			bad("SMTP_DATA_TIMEOUT", "%q is not a duration from 1s to 1h, such as 10m", v)
		}
		c.SMTPDataTimeout = d
	}
	if c.SenderAddress != "" {
		if a, err := mail.ParseAddress(c.SenderAddress); err != nil || a.Address != c.SenderAddress {
			bad("SENDER_ADDRESS", "%q is not an email address", c.SenderAddress)
		}
	}
	if c.DispatchCron == "" {
		c.DispatchCron = DefaultDispatchCron
	} else if c.DispatchCron == DispatchOff {
		// valid: no dispatcher inside serve
	} else if _, err := cron.NewSchedule(c.DispatchCron); err != nil {
		bad("DISPATCH_CRON", "%q is not a cron expression (five fields, such as */5 * * * *), or off: %v", c.DispatchCron, err)
	}
	if v := get("DISPATCH_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bad("DISPATCH_WORKERS", "%q is not a whole number from 1 to 100", v)
		}
		c.DispatchWorkers = n
	}
	if v := get("CLAIM_CHUNK"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			bad("CLAIM_CHUNK", "%q is not a whole number from 1 to 100000", v)
		}
		c.ClaimChunk = n
	}
	if v := get("DISPATCH_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			bad("DISPATCH_RATE", "%q is not a number of messages per second (0 = no limit)", v)
		}
		c.DispatchRate = r
	}
	if v := get("RETRY_DELAYS"); v != "" {
		c.RetryDelays = nil
		for _, f := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d < time.Millisecond || d > 24*time.Hour {
				bad("RETRY_DELAYS", "%q is not a list of durations from 1ms to 24h, such as 1s,5s,30s,2m,1h", v)
				break
			}
			c.RetryDelays = append(c.RetryDelays, d)
		}
	}
	if v := get("RETRY_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			bad("RETRY_FOR", "%q is not a duration from 1m to 720h, such as 120h", v)
		}
		c.RetryFor = d
	}
	if v := get("NEW_USER_DAILY_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad("NEW_USER_DAILY_LIMIT", "%q is not a whole number of messages a day (0 = no limit)", v)
		}
		c.NewUserDailyLimit = n
	}
	c.DKIM = dkimFromEnv(get, bad)
	domainsFromEnv(&c, get, bad)
	c.Inbound = inboundFromEnv(get, bad)
	c.LogRetentionDays = retentionFromEnv(get, bad)
	c.Approval = approvalFromEnv(get, bad)
	c.Health = healthFromEnv(get, bad)
	return c, errors.Join(errs...)
}

// PocketBase's placeholders in a new data dir, which nobody chose, and the
// sender Postrider puts in place of PocketBase's when the app URL names no
// mail domain.
const (
	PocketBaseAppURL = "http://localhost:8090"
	pocketBaseSender = "support@example.com"
	localSender      = "noreply@postrider.localhost"
)

// DefaultSender is the sender address used until one is set: noreply@ the
// app URL's host. PocketBase's support@example.com pretends to be another
// domain's support desk, and relays refuse it; the service's own domain is
// the one a relay of the site most likely accepts. A local try's address
// (localhost or an IP address) is no mail domain, and PocketBase refuses
// noreply@localhost: noreply@postrider.localhost then (RFC 6761 keeps
// .localhost for this machine), which cannot be mistaken for a real mailbox.
func DefaultSender(appURL string) string {
	u, err := url.Parse(appURL)
	if err != nil || net.ParseIP(u.Hostname()) != nil {
		return localSender
	}
	addr := "noreply@" + strings.ToLower(u.Hostname())
	if validation.Validate(addr, is.EmailFormat) != nil {
		return localSender
	}
	return addr
}
