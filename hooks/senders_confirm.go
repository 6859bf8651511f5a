package hooks

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/mailout"
)

// The link mailed to a sender's address (DESIGN.md "Senders and bounces"):
// GET (and HEAD) show a page with one button and change nothing, since
// link scanners and prefetchers open links; the button's POST verifies.
// Public, signed per sender and address, answering in the visitor's
// language.

// senderConfirmAsk is the page: the address and the button.
func senderConfirmAsk(e *core.RequestEvent) error {
	sender := senderOfLink(e)
	switch {
	case sender == nil:
		return senderConfirmPage(e, http.StatusNotFound, "senders.pageInvalid", "", false)
	case sender.GetBool("verified"):
		return senderConfirmPage(e, http.StatusOK, "senders.pageDone", sender.GetString("email"), false)
	}
	return senderConfirmPage(e, http.StatusOK, "senders.pageAsk", sender.GetString("email"), true)
}

// senderConfirm is the page's button: a form's POST, which no link opens.
func senderConfirm(e *core.RequestEvent) error {
	sender := senderOfLink(e)
	if sender == nil {
		return senderConfirmPage(e, http.StatusNotFound, "senders.pageInvalid", "", false)
	}
	if !sender.GetBool("verified") {
		sender.Set("verified", true)
		sender.Set("verified_at", types.NowDateTime())
		if err := e.App.Save(sender); err != nil {
			return err
		}
	}
	return senderConfirmPage(e, http.StatusOK, "senders.pageDone", sender.GetString("email"), false)
}

// senderOfLink is the sender a request's token names, or nil when the
// token is forged, altered, expired, or was mailed to an address the
// sender no longer has.
func senderOfLink(e *core.RequestEvent) *core.Record {
	secret, err := mailout.UnsubscribeSecret(e.App.DataDir())
	if err != nil {
		e.App.Logger().Error("Cannot read the signing secret", "error", err.Error())
		return nil
	}
	var sender *core.Record
	_, ok := checkSenderToken(secret, e.Request.PathValue("token"), time.Now(), func(id string) (string, bool) {
		s, err := e.App.FindRecordById("senders", id)
		if err != nil {
			return "", false
		}
		sender = s
		return s.GetString("email"), true
	})
	if !ok {
		return nil
	}
	return sender
}

// senderConfirmTmpl is the page in each language (words senders.page*).
var senderConfirmTmpl = linkPageTemplates(senderConfirmHTML)

const senderConfirmHTML = `<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{t "senders.pageTitle"}}</title>
<style>` + pageStyle + `</style></head>
<body><main><h1>{{t "senders.pageTitle"}}</h1>
<p id="message">{{t .Message "email" .Email}}</p>
{{if .Ask}}<form method="post" action="/senders/confirm/{{.Token}}"><button type="submit" id="confirm">{{t "senders.pageConfirm"}}</button></form>{{end}}
</main></body></html>`

// senderConfirmPage answers with the page in the visitor's language:
// message (a key of the words, senders.page*) about email, and the button
// when ask.
func senderConfirmPage(e *core.RequestEvent, status int, message, email string, ask bool) error {
	return linkPage(e, status, senderConfirmTmpl, map[string]any{
		"Message": message, "Email": email, "Ask": ask, "Token": e.Request.PathValue("token"),
	})
}

// senderConfirmBusy is the page of a request the rate limit refused.
func senderConfirmBusy(e *core.RequestEvent) error {
	return senderConfirmPage(e, http.StatusTooManyRequests, "senders.pageBusy", "", false)
}
