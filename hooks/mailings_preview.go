package hooks

import (
	"fmt"
	"net/http"
	"net/mail"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/dispatch"
	"postrider/internal/smtpclient"
	"postrider/mailout"
)

// testSendsPerMinute is how many test messages a user may send in a minute.
const testSendsPerMinute = 3

// A mailing as a client will get it, and a test send of it to its owner:
// owner only (a custom route passes no API rule), rendered by the
// dispatcher's own template so that what is shown is what goes out. The
// form's preview of what is typed, saved or not, is the same rendering,
// from the same cleaning and checks as a save.

// testMailingRoute sends tests of the caller's mailings, a few a minute.
func testMailingRoute(cfg config.Config) func(*core.RequestEvent) error {
	limit := newSendLimit(testSendsPerMinute, time.Minute)
	opts := dispatch.OptionsFrom(cfg)
	return func(e *core.RequestEvent) error {
		return testMailing(e, opts, limit)
	}
}

// previewOf is a preview's answer: the message, and a few of the mailing's
// recipients to pick from.
type previewOf struct {
	dispatch.Message
	Clients []previewClient `json:"clients"`
}

type previewClient struct {
	ID    string `db:"id" json:"id"`
	Email string `db:"email" json:"email"`
	Name  string `db:"name" json:"name"`
}

func previewMailing(e *core.RequestEvent) error {
	m, c, err := previewTarget(e, e.Request.URL.Query().Get("client"))
	if err != nil {
		return err
	}
	msg, err := dispatch.Preview(e.App, m, c)
	if err != nil {
		return e.InternalServerError("", err)
	}
	clients, err := recipientsToPick(e.Request.Context(), e.App, e.Auth.Id, m.GetStringSlice("clients"), m.GetStringSlice("lists"))
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, previewOf{Message: msg, Clients: clients})
}

// previewDraft renders a mailing as typed in the form, before it is saved:
// its body cleaned and both templates checked as a save does (a 400
// naming subject or body otherwise), for one of the caller's clients or
// the sample. Nothing is written.
func previewDraft(e *core.RequestEvent) error {
	var in struct {
		Subject string   `json:"subject"`
		Body    string   `json:"body"`
		Lists   []string `json:"lists"`
		Clients []string `json:"clients"`
		Client  string   `json:"client"`
		Sender  string   `json:"sender"`
	}
	if err := e.BindBody(&in); err != nil {
		msg := "Send the subject and body as text, lists and clients as arrays of ids."
		return e.BadRequestError(msg, fieldError("body", "validation_invalid_value", msg))
	}
	lists, picked, err := audience(e, in.Lists, in.Clients)
	if err != nil {
		return err
	}
	c, err := previewClientOf(e, in.Client)
	if err != nil {
		return err
	}
	body := sanitizeMailingBody(in.Body)
	bad := validation.Errors{}
	for field, text := range map[string]string{"subject": in.Subject, "body": body} {
		if _, perr := mailout.ParseTemplate(text); perr != nil {
			bad[field] = validation.NewError("validation_invalid_placeholder", fmt.Sprintf("%s.", perr))
		}
	}
	if len(bad) > 0 {
		return e.BadRequestError("The subject or the body has a placeholder that is not known or not closed.", bad)
	}
	mailings, err := e.App.FindCachedCollectionByNameOrId("mailings")
	if err != nil {
		return e.InternalServerError("", err)
	}
	draft := core.NewRecord(mailings)
	draft.Set("subject", in.Subject)
	draft.Set("body", body)
	draft.Set("owner", e.Auth.Id)
	// From as it would go out: only the caller's own verified sender
	// counts (dispatch/from.go), any other id goes out as the caller
	draft.Set("sender", in.Sender)
	msg, err := dispatch.Preview(e.App, draft, c)
	if err != nil {
		return e.InternalServerError("", err)
	}
	clients, err := recipientsToPick(e.Request.Context(), e.App, e.Auth.Id, picked, lists)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, previewOf{Message: msg, Clients: clients})
}

func testMailing(e *core.RequestEvent, opts dispatch.Options, limit *sendLimit) error {
	var in struct {
		Client string `json:"client"`
	}
	if err := e.BindBody(&in); err != nil {
		return e.BadRequestError("Send the client as an id.", fieldError("client", "validation_invalid_value", "Send the client as an id."))
	}
	m, c, err := previewTarget(e, in.Client)
	if err != nil {
		return err
	}
	if !e.Auth.Verified() {
		msg := "Confirm your email address first: test messages go only to a confirmed address."
		return e.BadRequestError(msg, fieldError("email", "validation_email_unconfirmed", msg))
	}
	if !limit.take(e.Auth.Id, time.Now()) {
		return e.TooManyRequestsError("A few test messages a minute at most: wait a moment.", nil)
	}
	// the run's own message, headers and all, so that what the owner
	// checks is what goes out (only its unsubscribe link is inert)
	to := mail.Address{Name: e.Auth.GetString("name"), Address: e.Auth.Email()}
	if err := dispatch.SendTest(e.App, opts, m, c, to); err != nil {
		// the owner learns the kind of failure; the server's log keeps the
		// detail (the server's address among it)
		e.App.Logger().Error("A test message could not be sent", "mailing", m.Id, "error", err.Error())
		return e.InternalServerError("The test message could not be sent: "+smtpclient.Explain(err)+".", nil)
	}
	return e.JSON(http.StatusOK, map[string]string{"sent_to": to.Address})
}

// previewTarget finds the caller's mailing of the route (404 for anyone
// else's) and the client to render it for (see previewClientOf).
func previewTarget(e *core.RequestEvent, clientID string) (*core.Record, dispatch.Client, error) {
	m, err := e.App.FindRecordById("mailings", e.Request.PathValue("id"), withContext(e.Request.Context()))
	if err != nil || m.GetString("owner") != e.Auth.Id {
		return nil, dispatch.Client{}, e.NotFoundError("", nil)
	}
	c, err := previewClientOf(e, clientID)
	return m, c, err
}

// previewClientOf is the client a preview is made for: one of the
// caller's own (400 naming client otherwise), or the sample when none is
// named.
func previewClientOf(e *core.RequestEvent, clientID string) (dispatch.Client, error) {
	if clientID == "" {
		return dispatch.SampleClient, nil
	}
	c, err := e.App.FindRecordById("clients", clientID, withContext(e.Request.Context()))
	if err != nil || c.GetString("owner") != e.Auth.Id {
		msg := "Choose one of your own clients."
		return dispatch.Client{}, e.BadRequestError(msg, fieldError("client", "validation_not_owner", msg))
	}
	return dispatch.Client{ID: c.Id, Email: c.GetString("email"), Name: c.GetString("name"), Comment: c.GetString("comment")}, nil
}
