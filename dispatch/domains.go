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
	name, err := dnscheck.DomainName(domain)
	if err != nil {
		return nil, false, nil
	}
	row, err := app.FindFirstRecordByFilter(DomainsCollection,
		"owner = {:owner} && domain = {:domain} && verified = true",
		dbx.Params{"owner": ownerID, "domain": name})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the domain %s: %w", name, err)
	}
	key, err := mailout.ParseDKIMKey([]byte(row.GetString("dkim_private")))
	if err != nil {
		return nil, false, fmt.Errorf("the DKIM key of the domain %s: %w", name, err)
	}
	d, err = mailout.NewDKIM(name, row.GetString("selector"), key)
	if err != nil {
		return nil, false, err
	}
	return d, true, nil
}
