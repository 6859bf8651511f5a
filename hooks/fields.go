package hooks

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"postrider/mailout"
)

// changedFields lists the fields whose new value differs from the stored one
// (autodate fields aside, which the save itself moves).
func changedFields(record *core.Record) []string {
	original := record.Original()
	var changed []string
	for _, f := range record.Collection().Fields {
		if f.Type() == core.FieldTypeAutodate {
			continue
		}
		name := f.GetName()
		if fmt.Sprint(record.Get(name)) != fmt.Sprint(original.Get(name)) {
			changed = append(changed, name)
		}
	}
	return changed
}

// fieldChanged tells whether the named field's value differs from the stored one.
func fieldChanged(record *core.Record, name string) bool {
	return fmt.Sprint(record.Get(name)) != fmt.Sprint(record.Original().Get(name))
}

// onlyChanged reports the first changed field that is not among allowed, or "".
func onlyChanged(record *core.Record, allowed ...string) string {
	for _, name := range changedFields(record) {
		if !slices.Contains(allowed, name) {
			return name
		}
	}
	return ""
}

// fieldError is a 400-style validation error naming one field.
func fieldError(field, code, message string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, message)}
}

// badField answers 400 with message, naming field in the error data.
func badField(e *core.RecordRequestEvent, field, code, message string) error {
	return e.BadRequestError(message, fieldError(field, code, message))
}

func bindNamesAndAddresses(app core.App) {
	// a name is one line of text: the web app shows it on one line, and a
	// mailing's subject may take it through {{name}}, where a line break
	// would split the header. Only a new or changed name is checked, so
	// that an older record saved for another reason (blocking, a bounce,
	// an unsubscribe) still saves.
	app.OnRecordValidate("users", "clients", "senders").BindFunc(func(e *core.RecordEvent) error {
		if fieldChanged(e.Record, "name") && strings.IndexFunc(e.Record.GetString("name"), unicode.IsControl) >= 0 {
			return fieldError("name", "validation_invalid_name",
				"A name is one line of text: no line breaks, tabs or other control characters.")
		}
		return e.Next()
	})
	// an address past RFC 5321's lengths is refused by servers at RCPT TO
	// and could pass a header line's 998 octets; only a new or changed one
	// is checked, as names are
	app.OnRecordValidate("users", "clients", "senders").BindFunc(func(e *core.RecordEvent) error {
		for _, field := range []string{"email", "reply_to"} {
			if e.Record.Collection().Fields.GetByName(field) != nil && fieldChanged(e.Record, field) &&
				!mailout.AddressFits(e.Record.GetString(field)) && e.Record.GetString(field) != "" {
				return fieldError(field, "validation_email_too_long", mailout.AddressTooLong)
			}
		}
		return e.Next()
	})
}
