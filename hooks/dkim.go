package hooks

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/mailout"
)

func bindDKIM(app core.App) {
	// the dashboard's DKIM row (migrations/1795660012) is one row whose key
	// signs: a key that does not parse, or a second row, would leave mail
	// unsigned or signed with a key nobody chose, so they are refused (400
	// naming the field) on every path that saves it
	app.OnRecordValidate(dispatch.DKIMCollection).BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		errs := validation.Errors{}
		if validation.Validate(r.GetString("domain"), is.Domain) != nil {
			errs["domain"] = validation.NewError("validation_invalid_domain", "Enter the domain that signs, such as example.com.")
		}
		if validation.Validate(r.GetString("selector"), is.DNSName) != nil {
			errs["selector"] = validation.NewError("validation_invalid_selector", "Enter a selector: letters, digits, dashes and dots, such as postrider.")
		}
		if pem := r.GetString("private_key"); pem != "" {
			if _, err := mailout.ParseDKIMKey([]byte(pem)); err != nil {
				errs["private_key"] = validation.NewError("validation_invalid_key", "Paste a PEM private key (RSA of 2048 bits or Ed25519): "+err.Error())
			}
		}
		if r.IsNew() {
			if n, err := e.App.CountRecords(dispatch.DKIMCollection); err != nil {
				return err
			} else if n > 0 {
				errs["domain"] = validation.NewError("validation_dkim_exists", "DKIM is set already: edit that row instead of adding another.")
			}
		}
		if len(errs) > 0 {
			return errs
		}
		return e.Next()
	})
}
