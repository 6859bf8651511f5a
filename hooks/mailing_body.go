package hooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"postrider/mailout"
)

// mailingBodyPolicy is the web app's bodyPolicy (pb_public/js/sanitize.js,
// DOMPurify) on the server: those tags, href/src/alt/title, http(s) and
// mailto links only, so that a body saved through the REST API is as clean
// as one saved through the form.
var mailingBodyPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li",
		"h1", "h2", "h3", "blockquote", "img", "span", "div")
	p.AllowAttrs("href", "src", "alt", "title").Globally()
	p.AllowURLSchemes(mailout.LinkSchemes...)
	p.RequireParseableURLs(true)
	return p
}()

var placeholderMark = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// markPrefix stands in for a placeholder while the body is sanitized: an
// absolute https address, so that href="{{unsubscribe_url}}" survives the
// link check, and plain text everywhere else. A link whose address a
// placeholder fills is checked again once filled, for each recipient
// (mailout.Template.AppendTo).
const markPrefix = "https://postrider.invalid/placeholder/"

// sanitizeMailingBody cleans body with mailingBodyPolicy, keeping its
// {{placeholders}} as they were written.
func sanitizeMailingBody(body string) string {
	var marks []string
	masked := placeholderMark.ReplaceAllStringFunc(body, func(p string) string {
		marks = append(marks, p)
		return markPrefix + strconv.Itoa(len(marks)-1) + "/"
	})
	clean := mailingBodyPolicy.Sanitize(masked)
	for i := len(marks) - 1; i >= 0; i-- {
		clean = strings.ReplaceAll(clean, markPrefix+strconv.Itoa(i)+"/", marks[i])
	}
	return clean
}

func bindMailingBody(app core.App) {
	// the body is sanitized and both templates checked however a mailing
	// is saved (REST, a batch, the dashboard, Go): an unknown placeholder
	// is refused beside the other fields' errors, before anything is sent
	app.OnRecordValidate("mailings").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.IsNew() || fieldChanged(e.Record, "body") {
			e.Record.Set("body", sanitizeMailingBody(e.Record.GetString("body")))
		}
		err := e.Next()
		bad := validation.Errors{}
		for _, field := range []string{"subject", "body"} {
			if !e.Record.IsNew() && !fieldChanged(e.Record, field) {
				continue
			}
			if _, perr := mailout.ParseTemplate(e.Record.GetString(field)); perr != nil {
				bad[field] = validation.NewError("validation_invalid_placeholder", fmt.Sprintf("%s.", perr))
			}
		}
		if len(bad) == 0 {
			return err
		}
		errs, ok := err.(validation.Errors)
		if err != nil && !ok {
			return err
		}
		for k, v := range errs {
			if _, taken := bad[k]; !taken {
				bad[k] = v
			}
		}
		return bad
	})
}
