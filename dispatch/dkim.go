package dispatch

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"postrider/mailout"
)

// DKIMCollection holds the dashboard's DKIM settings: one row (domain,
// selector, private_key as PEM text), superusers only. POSTRIDER_DKIM_*
// win over it, as the SMTP variables win over the dashboard's SMTP.
const DKIMCollection = "dkim"

// DKIMFor is what signs messages now: the POSTRIDER_DKIM_* key when set,
// else the dkim row of the dashboard, else nil (messages go unsigned). The
// row is read at each call, so that a change applies from the next run or
// account mail on.
func DKIMFor(app core.App, opts Options) (*mailout.DKIM, error) {
	if opts.DKIM != nil {
		return opts.DKIM, nil
	}
	row, err := app.FindFirstRecordByFilter(DKIMCollection, "domain != '' && selector != '' && private_key != ''")
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the DKIM settings: %w", err)
	}
	return DKIMFromRecord(row)
}

// DKIMFromRecord makes the signer a dkim row describes.
func DKIMFromRecord(row *core.Record) (*mailout.DKIM, error) {
	key, err := mailout.ParseDKIMKey([]byte(row.GetString("private_key")))
	if err != nil {
		return nil, fmt.Errorf("the DKIM key in the dashboard: %w", err)
	}
	return mailout.NewDKIM(row.GetString("domain"), row.GetString("selector"), key)
}

// sign puts the DKIM signature on a rendered message; with no key it
// returns the message as it is, at no cost.
func sign(d *mailout.DKIM, msg []byte) ([]byte, error) {
	if d == nil {
		return msg, nil
	}
	return d.Sign(msg)
}
