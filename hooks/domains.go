package hooks

import (
	"crypto"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/dispatch"
	"postrider/internal/dnscheck"
	"postrider/mailout"
)

// domains are users' sending domains (migrations/1795660026): the server
// makes each one's DKIM key, and the key never leaves it.
const domainsCollection = dispatch.DomainsCollection

// privateKeyField holds the PEM of a domain's key (hidden).
const privateKeyField = "dkim_private"

// Making a key costs the server about 0.3 s of a core (BenchmarkNewDKIMKey),
// so an account keeps at most maxDomainsPerOwner domains and adds at most
// createsPerWindow in createWindow.
const (
	maxDomainsPerOwner = 20
	createsPerWindow   = 10
	createWindow       = time.Minute
)

// immutableDomainFields never change after create: a new key or name
// would void the records the user published. Delete and add again.
var immutableDomainFields = []string{"owner", "domain", "selector", "dkim_public", privateKeyField}

func bindDomains(app core.App, cfg config.Config) {
	creates := &perUserLimit{max: createsPerWindow, window: createWindow, seen: map[string][]time.Time{}}
	// the server makes the key and the selector, whatever a request sends
	// (a superuser's too); Go code (tests, a seed) may bring its own key
	app.OnRecordCreateRequest(domainsCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil && !e.HasSuperuserAuth() {
			if wait := creates.take(e.Auth.Id, time.Now()); wait > 0 {
				e.Response.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				return e.TooManyRequestsError("You have added many domains in a minute: try again in a moment.", nil)
			}
		}
		e.Record.Set(privateKeyField, "")
		e.Record.Set("selector", "")
		return e.Next()
	})

	// every create: the name as DNS knows it, checked before a key is
	// made for it, then a key, a selector, the record to publish, and
	// nothing checked yet
	app.OnRecordCreate(domainsCollection).BindFunc(func(e *core.RecordEvent) error {
		if name, err := dnscheck.DomainName(e.Record.GetString("domain")); err == nil {
			e.Record.Set("domain", name)
		}
		if err := validateNewDomain(e.App, e.Record); err != nil {
			return err
		}
		if err := prepareDomain(e.Record); err != nil {
			return err
		}
		return e.Next()
	})

	app.OnRecordValidate(domainsCollection).BindFunc(func(e *core.RecordEvent) error {
		if err := validateChangedDomain(e.Record); err != nil {
			return err
		}
		return e.Next()
	})

	// every response and realtime message: the records to publish, and no
	// private key. PocketBase unhides hidden fields for superusers after
	// the enrich hooks have run (apis/record_helpers.go), so the key is
	// hidden again once they have.
	app.OnRecordEnrich(domainsCollection).BindFunc(func(e *core.RecordEnrichEvent) error {
		rec := e.Record
		err := e.Next()
		rec.Hide(privateKeyField)
		rec.WithCustomData(true)
		rec.Set("records", domainWant(e.App, cfg, rec).Records())
		return err
	})

	// a filter or a sort on the key would leak it a bit at a time (a
	// superuser's may name hidden fields)
	app.OnRecordsListRequest(domainsCollection).BindFunc(func(e *core.RecordsListRequestEvent) error {
		q := e.Request.URL.Query()
		if namesPrivateKey(q.Get("filter") + " " + q.Get("sort")) {
			return e.BadRequestError("A domain's private key cannot be searched nor sorted on.", nil)
		}
		return e.Next()
	})
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		for _, s := range e.Subscriptions {
			if strings.HasPrefix(s, domainsCollection) && namesPrivateKey(s) {
				return e.BadRequestError("A domain's private key cannot be searched on.", nil)
			}
		}
		return e.Next()
	})
}

func namesPrivateKey(s string) bool {
	return strings.Contains(strings.ToLower(s), privateKeyField)
}

// prepareDomain readies a new domain record: a key when none was
// brought, a selector, the public key to publish, and no check yet.
func prepareDomain(r *core.Record) error {
	pem := r.GetString(privateKeyField)
	var key crypto.Signer
	if pem == "" {
		k, p, err := mailout.NewDKIMKey()
		if err != nil {
			return err
		}
		key, pem = k, string(p)
		r.Set(privateKeyField, pem)
	} else {
		k, err := mailout.ParseDKIMKey([]byte(pem))
		if err != nil {
			return fieldError(privateKeyField, "validation_invalid_key", "Not a private key: "+err.Error())
		}
		key = k
	}
	if r.GetString("selector") == "" {
		r.Set("selector", newSelector())
	}
	d := mailout.DKIM{Domain: r.GetString("domain"), Selector: r.GetString("selector"), Key: key}
	r.Set("dkim_public", d.TXTRecord())
	for _, f := range []string{"dkim_ok", "spf_ok", "dmarc_ok", "return_path_ok", "verified"} {
		r.Set(f, false)
	}
	r.Set("checked_at", "")
	return nil
}

// newSelector is "postrider-" and six random letters and digits: a new
// name for each key, so that a domain deleted and added again publishes
// its new key at a name no resolver has cached the old one for.
func newSelector() string {
	return "postrider-" + strings.ToLower(rand.Text()[:6])
}

// validateChangedDomain refuses any change of what the published
// records name.
func validateChangedDomain(r *core.Record) error {
	if r.IsNew() {
		return nil
	}
	for _, f := range immutableDomainFields {
		if fieldChanged(r, f) {
			return fieldError(f, "validation_domain_immutable", "A domain's name and key cannot change: delete the domain and add it again.")
		}
	}
	return nil
}

// validateNewDomain refuses a name that is no sending domain, a second
// one of the owner's, and one past the most an owner keeps.
func validateNewDomain(app core.App, r *core.Record) error {
	name, err := dnscheck.DomainName(r.GetString("domain"))
	if err != nil || name != r.GetString("domain") {
		return fieldError("domain", "validation_invalid_domain", "Enter the domain you send from, such as example.com: not an email address, nor an IP address.")
	}
	var count struct {
		Total int `db:"total"`
		Clash int `db:"clash"`
	}
	err = app.DB().Select("COUNT(*) AS total", "COALESCE(SUM([[domain]] = {:domain}), 0) AS clash").From(domainsCollection).
		Where(dbx.HashExp{"owner": r.GetString("owner")}).
		AndWhere(dbx.Not(dbx.HashExp{"id": r.Id})).
		Bind(dbx.Params{"domain": name}).
		One(&count)
	if err != nil {
		return err
	}
	if count.Clash > 0 {
		return fieldError("domain", "validation_not_unique", "You have added this domain already.")
	}
	if count.Total >= maxDomainsPerOwner {
		return fieldError("domain", "validation_too_many_domains",
			fmt.Sprintf("You have %d domains, the most one account keeps: delete one you no longer send from.", count.Total))
	}
	return nil
}

// domainWant is what the domain r should publish, as the service is set
// up now.
func domainWant(app core.App, cfg config.Config, r *core.Record) dnscheck.Want {
	appURL := app.Settings().Meta.AppURL
	domain := r.GetString("domain")
	return dnscheck.Want{
		Domain:       domain,
		Selector:     r.GetString("selector"),
		DKIMKey:      dnscheck.DKIMKeyOf(r.GetString("dkim_public")),
		SPFInclude:   cfg.SPFIncludeFor(appURL),
		ReturnPath:   dnscheck.ReturnPathName(domain),
		BounceDomain: cfg.BounceDomainFor(appURL),
	}
}
