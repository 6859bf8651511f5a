package hooks

import (
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"
)

// refuseBlockedTokens refuses a blocked account's token on every route
// with a code the web app knows, not read as a visitor's: its open page
// stops at the next request and goes to the login, which says why once the
// password is given (the reason is not told to whoever merely holds a token).
func refuseBlockedTokens() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "postriderRefuseBlockedToken",
		Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
		Func:     refuseBlockedToken,
	}
}

func refuseBlockedToken(e *core.RequestEvent) error {
	// the login answers a blocked account itself, with the reason
	if strings.HasSuffix(e.Request.URL.Path, "/auth-with-password") {
		return e.Next()
	}
	if blockedHolder(e) {
		msg := "This account is blocked by a moderator: log in again to see why."
		return e.ForbiddenError(msg, validation.Errors{"identity": validation.NewError("account_blocked", msg)})
	}
	return e.Next()
}

// blockedHolder tells whether the request carries the token of a blocked
// account: one that still verifies, or one that blocking voided, which
// verifies with the key the account had then (users.blocked_token_key). A
// token that verifies with neither tells nothing, whoever it names: it is
// read as no token at all, as PocketBase reads it.
func blockedHolder(e *core.RequestEvent) bool {
	if e.Auth != nil {
		return e.Auth.Collection().Name == "users" && e.Auth.GetBool("blocked")
	}
	token := e.Request.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		token = token[7:]
	}
	if token == "" {
		return false
	}
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil || claims[core.TokenClaimType] != core.TokenTypeAuth {
		return false
	}
	id, _ := claims[core.TokenClaimId].(string)
	users, err := e.App.FindCachedCollectionByNameOrId("users")
	if err != nil || claims[core.TokenClaimCollectionId] != users.Id || id == "" {
		return false
	}
	user, err := e.App.FindRecordById(users, id)
	if err != nil || !user.GetBool("blocked") || user.GetString("blocked_token_key") == "" {
		return false
	}
	_, err = security.ParseJWT(token, user.GetString("blocked_token_key")+users.AuthToken.Secret)
	return err == nil
}
