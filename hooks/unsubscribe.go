package hooks

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"postrider/dispatch"
	"postrider/mailout"
)

// undoWindow is how long the link's page can undo its own unsubscribe;
// after that only the owner subscribes the client again.
const undoWindow = 24 * time.Hour

// The unsubscribe link of every mailing message (DESIGN.md "Messages"):
// public, signed per client, answering in the recipient's language.

// unsubscribeTestPage answers the link of a preview or a test send
// (dispatch.SampleUnsubscribeURL), which names no client: it says so
// rather than calling itself invalid.
func unsubscribeTestPage(e *core.RequestEvent) error {
	return unsubscribePage(e, http.StatusOK, pageState{Message: "unsubscribe.test"})
}

// unsubscribeAsk is the page: it names the sender and the mailing, with
// one button that unsubscribes; opening it changes nothing, so that the
// link scanners and prefetchers that open links (GET, HEAD) unsubscribe no
// one.
func unsubscribeAsk(e *core.RequestEvent) error {
	link := unsubscribeLinkOf(e)
	if link == nil {
		return unsubscribePage(e, http.StatusNotFound, pageState{Message: "unsubscribe.invalid"})
	}
	if link.client.GetBool("unsubscribed") {
		return unsubscribePage(e, http.StatusOK, link.state(e.App, "unsubscribe.done", undoable(link.client)))
	}
	state := link.state(e.App, "unsubscribe.ask", false)
	state.Ask = true
	return unsubscribePage(e, http.StatusOK, state)
}

// unsubscribeConfirm is the page's button: a form's POST, which no link opens.
func unsubscribeConfirm(e *core.RequestEvent) error {
	link := unsubscribeLinkOf(e)
	if link == nil {
		return unsubscribePage(e, http.StatusNotFound, pageState{Message: "unsubscribe.invalid"})
	}
	if err := unsubscribe(e.App, link.client, "link"); err != nil {
		return err
	}
	return unsubscribePage(e, http.StatusOK, link.state(e.App, "unsubscribe.done", undoable(link.client)))
}

// unsubscribeOneClick is RFC 8058 one-click, from the mail client: no
// page, no login.
func unsubscribeOneClick(e *core.RequestEvent) error {
	link := unsubscribeLinkOf(e)
	if link == nil {
		return e.String(http.StatusNotFound, "This unsubscribe link is not valid.\n")
	}
	if e.Request.FormValue("List-Unsubscribe") != "One-Click" {
		return e.String(http.StatusBadRequest, "Expected List-Unsubscribe=One-Click.\n")
	}
	if err := unsubscribe(e.App, link.client, "one_click"); err != nil {
		return err
	}
	return e.String(http.StatusOK, "Unsubscribed.\n")
}

// unsubscribeUndo is the page's undo: only of the link's own unsubscribe,
// within a day.
func unsubscribeUndo(e *core.RequestEvent) error {
	link := unsubscribeLinkOf(e)
	if link == nil {
		return unsubscribePage(e, http.StatusNotFound, pageState{Message: "unsubscribe.invalid"})
	}
	client := link.client
	if !client.GetBool("unsubscribed") {
		return unsubscribePage(e, http.StatusOK, link.state(e.App, "unsubscribe.undone", false))
	}
	if !undoable(client) {
		return unsubscribePage(e, http.StatusForbidden, link.state(e.App, "unsubscribe.late", false))
	}
	client.Set("unsubscribed", false)
	if err := e.App.Save(client); err != nil {
		return err
	}
	return unsubscribePage(e, http.StatusOK, link.state(e.App, "unsubscribe.undone", false))
}

// tooMany answers a request the rate limit refused (migrations
// 1795660012, 1795660025) with Retry-After, so that a mail provider's
// one-click POST comes back when it may, and, for a person, with page (in
// their language rather than PocketBase's JSON; nil: a line of text). It
// runs just before the limiter.
func tooMany(page func(*core.RequestEvent) error) *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Priority: apis.DefaultRateLimitMiddlewarePriority - 1,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			var refused *router.ApiError
			if !errors.As(err, &refused) || refused.Status != http.StatusTooManyRequests {
				return err
			}
			e.Response.Header().Set("Retry-After", "60")
			if page == nil {
				return e.String(http.StatusTooManyRequests, "Too many requests from this address: try again in a minute.\n")
			}
			return page(e)
		},
	}
}

// unsubscribeBusy is the page of a request the rate limit refused.
func unsubscribeBusy(e *core.RequestEvent) error {
	return unsubscribePage(e, http.StatusTooManyRequests, pageState{Message: "unsubscribe.busy"})
}

// unsubscribeLink is what a link's token names: a client and, in the
// links of mailings sent since tokens name it, the mailing.
type unsubscribeLink struct {
	client, mailing *core.Record // mailing may be nil
	sender, subject string       // for the page
}

// unsubscribeLinkOf is what a request's token names, or nil when the
// token is forged, altered or names no client.
func unsubscribeLinkOf(e *core.RequestEvent) *unsubscribeLink {
	secret, err := mailout.UnsubscribeSecret(e.App.DataDir())
	if err != nil {
		e.App.Logger().Error("Cannot read the unsubscribe secret", "error", err.Error())
		return nil
	}
	clientID, mailingID, ok := mailout.CheckUnsubscribeToken(secret, e.Request.PathValue("token"))
	if !ok {
		return nil
	}
	client, err := e.App.FindRecordById("clients", clientID)
	if err != nil {
		return nil
	}
	link := &unsubscribeLink{client: client}
	if mailingID != "" {
		// a mailing since deleted, or (never from a link we signed) another
		// owner's, is left unnamed
		if m, err := e.App.FindRecordById("mailings", mailingID); err == nil && m.GetString("owner") == client.GetString("owner") {
			link.mailing = m
		}
	}
	return link
}

// state is the page for the link with message, naming the sender and the
// mailing as the recipient saw them: the name of the message's From (the
// mailing's sender or its owner, via the service: DESIGN.md "Senders and
// bounces"; the owner's for a link that names no mailing), and the
// subject with the client's own values in its placeholders, as their
// message had it (never the raw {{...}} of the template).
func (l *unsubscribeLink) state(app core.App, message string, undo bool) pageState {
	st := pageState{Message: message, Undo: undo, Sender: app.Settings().Meta.SenderName}
	if owner, err := app.FindRecordById("users", l.client.GetString("owner")); err == nil {
		if name := mailout.OneLine(strings.TrimSpace(owner.GetString("name"))); name != "" && st.Sender != "" {
			st.Sender = name + " via " + st.Sender
		} else if name != "" {
			st.Sender = name
		}
	}
	if l.mailing != nil {
		if name, err := dispatch.FromName(app, l.mailing); err == nil && name != "" {
			st.Sender = name
		}
		c := l.client
		msg, err := dispatch.Preview(app, l.mailing, dispatch.Client{ID: c.Id, Email: c.GetString("email"), Name: c.GetString("name"), Comment: c.GetString("comment")})
		if err == nil {
			st.Subject = msg.Subject
		}
	}
	return st
}

// unsubscribe marks the client unsubscribed by its link, for reason link
// (the page's button) or one_click (once: a second click keeps the first
// date and reason).
func unsubscribe(app core.App, client *core.Record, reason string) error {
	if client.GetBool("unsubscribed") {
		return nil
	}
	client.Set("unsubscribed", true)
	client.Set("unsubscribed_by_link", true)
	client.Set("unsubscribed_reason", reason)
	client.Set("unsubscribed_at", time.Now().UTC())
	return app.Save(client)
}

// undoable tells whether the link's page may still undo the client's
// unsubscribe: its own, a day at most ago.
func undoable(client *core.Record) bool {
	at := client.GetDateTime("unsubscribed_at").Time()
	return client.GetBool("unsubscribed") && client.GetBool("unsubscribed_by_link") && time.Since(at) <= undoWindow
}

// unsubscribeTmpl is the page in each language (words unsubscribe.*).
var unsubscribeTmpl = linkPageTemplates(unsubscribeHTML)

const unsubscribeHTML = `<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{t "unsubscribe.title"}}</title>
<style>` + pageStyle + `</style></head>
<body><main><h1>{{t "unsubscribe.title"}}</h1>
{{if or .S.Sender .S.Subject}}<dl>{{if .S.Sender}}<dt>{{t "unsubscribe.sender"}}</dt><dd id="sender">{{.S.Sender}}</dd>{{end}}{{if .S.Subject}}<dt>{{t "unsubscribe.mailing"}}</dt><dd id="mailing">{{.S.Subject}}</dd>{{end}}</dl>{{end}}
<p id="message">{{t .S.Message}}</p>
{{if .S.Ask}}<form method="post" action="/unsubscribe/{{.Token}}/confirm"><button type="submit">{{t "unsubscribe.confirm"}}</button></form>{{end}}
{{if .S.Undo}}<form method="post" action="/unsubscribe/{{.Token}}/undo"><p class="help">{{t "unsubscribe.undoHelp"}}</p><button type="submit">{{t "unsubscribe.undo"}}</button></form>{{end}}
</main></body></html>`

// pageState is what the page shows: its message (a key of the words,
// unsubscribe.*), the sender and the mailing where the link names
// them, and which button.
type pageState struct {
	Message         string
	Sender, Subject string
	Ask, Undo       bool // the unsubscribe button; the undo button
}

// unsubscribePage answers with the page in the recipient's language.
func unsubscribePage(e *core.RequestEvent, status int, st pageState) error {
	return linkPage(e, status, unsubscribeTmpl, map[string]any{"S": st, "Token": e.Request.PathValue("token")})
}
