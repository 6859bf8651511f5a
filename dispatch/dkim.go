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

// signers sign a message, each with a DKIM-Signature of its own: a
// sender's verified domain (d= its From domain, which DMARC aligns) and the
// service's key where one is set. None: the message goes as it is, at no cost.
type signers []*mailout.DKIM

// signersOf is the signers in order, without the nil ones.
func signersOf(ds ...*mailout.DKIM) signers {
	var ss signers
	for _, d := range ds {
		if d != nil {
			ss = append(ss, d)
		}
	}
	return ss
}

// sign puts the signatures on a rendered message: each signs the message
// as rendered, not the other's signature.
func (ss signers) sign(msg []byte) ([]byte, error) {
	if len(ss) == 0 {
		return msg, nil
	}
	var sigs [][]byte
	for _, d := range ss {
		signed, err := d.Sign(msg)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, signed[:len(signed)-len(msg)])
	}
	if len(sigs) == 1 {
		return append(sigs[0], msg...), nil
	}
	out := make([]byte, 0, len(msg)+len(sigs)*512)
	for _, sig := range sigs {
		out = append(out, sig...)
	}
	return append(out, msg...), nil
}
