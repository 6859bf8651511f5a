package dispatch

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/dnscheck"
	"postrider/mailout"
)

// DomainsCollection holds users' sending domains (hooks/domains.go): each
// with the DKIM key the server made for it (dkim_private, never sent to
// any client) and whether its DKIM record was found (verified).
const DomainsCollection = "domains"

// VerifiedDomainKey is the signer for mail of ownerID From an address at
// domain: the key of that owner's domain when its DKIM record was found at
// the last check, with d= the domain. ok is false when the owner has no
// such domain, or it is not verified: that mail goes out "via" the service.
func VerifiedDomainKey(app core.App, ownerID, domain string) (d *mailout.DKIM, ok bool, err error) {
	var row struct {
		Selector string `db:"selector"`
		Private  string `db:"dkim_private"`
	}
	name, ok, err := readVerifiedDomain(app, ownerID, domain, &row, "selector", "dkim_private")
	if !ok || err != nil {
		return nil, false, err
	}
	key, err := mailout.ParseDKIMKey([]byte(row.Private))
	if err != nil {
		return nil, false, fmt.Errorf("the DKIM key of the domain %s: %w", name, err)
	}
	d, err = mailout.NewDKIM(name, row.Selector, key)
	if err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// isVerifiedDomain is VerifiedDomainKey without the key (no signer, no
// parse of it): for where only the From's address matters, such as the
// claim's Message-IDs inside its transaction.
func isVerifiedDomain(app core.App, ownerID, domain string) (*mailout.DKIM, bool, error) {
	var row struct {
		ID string `db:"id"`
	}
	_, ok, err := readVerifiedDomain(app, ownerID, domain, &row, "id")
	return nil, ok, err
}

// readVerifiedDomain reads columns of ownerID's verified domain named
// domain (normalized as the collection's names are) into row; ok is false
// when there is none.
func readVerifiedDomain(app core.App, ownerID, domain string, row any, columns ...string) (name string, ok bool, err error) {
	name, err = dnscheck.DomainName(domain)
	if err != nil {
		return "", false, nil
	}
	err = app.DB().Select(columns...).From(DomainsCollection).
		Where(dbx.HashExp{"owner": ownerID, "domain": name, "verified": true}).Limit(1).One(row)
	if errors.Is(err, sql.ErrNoRows) {
		return name, false, nil
	}
	if err != nil {
		return name, false, fmt.Errorf("reading the domain %s: %w", name, err)
	}
	return name, true, nil
}
