package hooks

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"postrider/mailout"
)

// undoWindow is how long the link's page can undo its own unsubscribe;
// after that only the owner subscribes the client again.
const undoWindow = 24 * time.Hour

func bindUnsubscribe(app core.App) {
	// the unsubscribe link of every mailing message (DESIGN.md "Messages"):
	// public, signed per client, answering in the recipient's language
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// the page: unsubscribes at once and says so, with an undo
		se.Router.GET("/unsubscribe/{token}", func(e *core.RequestEvent) error {
			client := unsubscribeClient(e)
			if client == nil {
				return unsubscribePage(e, http.StatusNotFound, "invalid", false)
			}
			if err := unsubscribe(e.App, client); err != nil {
				return err
			}
			return unsubscribePage(e, http.StatusOK, "done", undoable(client))
		}).Bind(tooMany(true))
		// RFC 8058 one-click, from the mail client: no page, no login
		se.Router.POST("/unsubscribe/{token}", func(e *core.RequestEvent) error {
			client := unsubscribeClient(e)
			if client == nil {
				return e.String(http.StatusNotFound, "This unsubscribe link is not valid.\n")
			}
			if e.Request.FormValue("List-Unsubscribe") != "One-Click" {
				return e.String(http.StatusBadRequest, "Expected List-Unsubscribe=One-Click.\n")
			}
			if err := unsubscribe(e.App, client); err != nil {
				return err
			}
			return e.String(http.StatusOK, "Unsubscribed.\n")
		}).Bind(tooMany(false))
		// the page's undo: only of the link's own unsubscribe, within a day
		se.Router.POST("/unsubscribe/{token}/undo", func(e *core.RequestEvent) error {
			client := unsubscribeClient(e)
			if client == nil {
				return unsubscribePage(e, http.StatusNotFound, "invalid", false)
			}
			if !client.GetBool("unsubscribed") {
				return unsubscribePage(e, http.StatusOK, "undone", false)
			}
			if !undoable(client) {
				return unsubscribePage(e, http.StatusForbidden, "late", false)
			}
			client.Set("unsubscribed", false)
			if err := e.App.Save(client); err != nil {
				return err
			}
			return unsubscribePage(e, http.StatusOK, "undone", false)
		}).Bind(tooMany(true))
		return se.Next()
	})
}

// tooMany answers a request the rate limit refused (migration
// 1795660012) with Retry-After, so that a mail provider's one-click POST
// comes back when it may, and, for a person, with the page in their
// language rather than PocketBase's JSON. It runs just before the limiter.
func tooMany(page bool) *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Priority: apis.DefaultRateLimitMiddlewarePriority - 1,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			var refused *router.ApiError
			if !errors.As(err, &refused) || refused.Status != http.StatusTooManyRequests {
				return err
			}
			e.Response.Header().Set("Retry-After", "60")
			if !page {
				return e.String(http.StatusTooManyRequests, "Too many requests from this address: try again in a minute.\n")
			}
			return unsubscribePage(e, http.StatusTooManyRequests, "busy", false)
		},
	}
}

// unsubscribeClient is the client a request's token names, or nil when
// the token is forged, altered or names no client.
func unsubscribeClient(e *core.RequestEvent) *core.Record {
	secret, err := mailout.UnsubscribeSecret(e.App.DataDir())
	if err != nil {
		e.App.Logger().Error("Cannot read the unsubscribe secret", "error", err.Error())
		return nil
	}
	id, ok := mailout.CheckUnsubscribeToken(secret, e.Request.PathValue("token"))
	if !ok {
		return nil
	}
	client, err := e.App.FindRecordById("clients", id)
	if err != nil {
		return nil
	}
	return client
}

// unsubscribe marks the client unsubscribed by its link (once: a second
// click keeps the first date).
func unsubscribe(app core.App, client *core.Record) error {
	if client.GetBool("unsubscribed") {
		return nil
	}
	client.Set("unsubscribed", true)
	client.Set("unsubscribed_by_link", true)
	client.Set("unsubscribed_at", time.Now().UTC())
	return app.Save(client)
}

// undoable tells whether the link's page may still undo the client's
// unsubscribe: its own, a day at most ago.
func undoable(client *core.Record) bool {
	at := client.GetDateTime("unsubscribed_at").Time()
	return client.GetBool("unsubscribed") && client.GetBool("unsubscribed_by_link") && time.Since(at) <= undoWindow
}

// unsubscribeTexts are the page's words, English and Russian.
var unsubscribeTexts = map[string]map[string]string{
	"en": {
		"title":    "Unsubscribe",
		"done":     "You are unsubscribed: you will get no more mailings from this sender.",
		"undo":     "Undo: subscribe me again",
		"undoHelp": "Clicked by mistake? You can undo it today.",
		"undone":   "You are subscribed again.",
		"late":     "This unsubscribe can no longer be undone here; ask the sender to subscribe you again.",
		"invalid":  "This unsubscribe link is not valid. Use the link from the message you received.",
		"busy":     "Too many requests from your address: try again in a minute.",
	},
	"ru": {
		"title":    "Отписка",
		"done":     "Вы отписаны: больше писем от этого отправителя не будет.",
		"undo":     "Отменить: подписать меня снова",
		"undoHelp": "Нажали по ошибке? Сегодня это можно отменить.",
		"undone":   "Вы снова подписаны.",
		"late":     "Эту отписку здесь уже не отменить; попросите отправителя подписать вас снова.",
		"invalid":  "Эта ссылка для отписки недействительна. Откройте ссылку из полученного письма.",
		"busy":     "Слишком много запросов с вашего адреса: попробуйте через минуту.",
	},
}

var unsubscribeTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.T.title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#16161a;background:#f8f9fa;margin:0}
main{max-width:32rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #e4e9ec;border-radius:8px}
h1{font-size:1.25rem;margin:0 0 1rem}button{font:inherit;padding:.5rem 1rem;border:1px solid #16161a;border-radius:6px;background:#fff;cursor:pointer}
.help{color:#666;font-size:.9rem}</style></head>
<body><main><h1>{{.T.title}}</h1><p id="message">{{index .T .Message}}</p>
{{if .Undo}}<form method="post" action="/unsubscribe/{{.Token}}/undo"><p class="help">{{.T.undoHelp}}</p><button type="submit">{{.T.undo}}</button></form>{{end}}
</main></body></html>`))

// unsubscribePage answers with the page in the recipient's language,
// showing message and, when undo is set, the undo button.
func unsubscribePage(e *core.RequestEvent, status int, message string, undo bool) error {
	lang := pageLanguage(e.Request.Header.Get("Accept-Language"))
	e.Response.Header().Set("Content-Type", "text/html; charset=utf-8")
	e.Response.Header().Set("Cache-Control", "no-store")
	e.Response.WriteHeader(status)
	return unsubscribeTmpl.Execute(e.Response, map[string]any{
		"Lang": lang, "T": unsubscribeTexts[lang], "Message": message, "Undo": undo,
		"Token": e.Request.PathValue("token"),
	})
}

// pageLanguage picks Russian or English, whichever Accept-Language ranks
// higher (English when it names neither).
func pageLanguage(header string) string {
	best, bestQ := "en", -1.0
	for _, item := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "en" || base == "ru") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
