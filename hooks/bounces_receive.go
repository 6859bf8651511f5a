package hooks

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"postrider/config"
	"postrider/inbound"
	"postrider/internal/bounce"
)

// receiveBounces is POST /api/postrider/bounces: the raw message of a
// bounce or complaint report as the body (message/rfc822), from a mailbox
// the operator pipes in, for the same parser and effects as serve's SMTP
// listener (the inbound package), including the automatic stops past the
// limits. It answers what the report did.
func receiveBounces(limits config.Health) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		res, err := inbound.Receive(e.App, limits, e.Request.Body, nil, "POST /api/postrider/bounces")
		switch {
		case errors.Is(err, bounce.ErrTooLarge):
			return e.Error(http.StatusRequestEntityTooLarge, "The report is larger than 1 MB, more than any bounce or complaint report is.", nil)
		case err != nil && inbound.Unreadable(err):
			return e.BadRequestError("The body is not a bounce or complaint report: "+err.Error(), nil)
		case err != nil:
			return err
		}
		return e.JSON(http.StatusOK, res)
	}
}

// inboundOnly lets a superuser through, or a request with the bearer
// secret (POSTRIDER_INBOUND_SECRET; none set: superusers only).
func inboundOnly(secret string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		given, ok := strings.CutPrefix(e.Request.Header.Get("Authorization"), "Bearer ")
		if ok && secret != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(given)), []byte(secret)) == 1 {
			return e.Next()
		}
		if e.Auth == nil {
			return e.UnauthorizedError("A superuser's token or the inbound secret is needed.", nil)
		}
		return e.ForbiddenError("Only superusers, or the inbound secret, can post reports.", nil)
	}
}
