package hooks

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/internal/dnscheck"
	"postrider/internal/words"
)

// A check is DNS queries made on a user's behalf: each at most
// dnscheck.QueryTimeout, four a check, and checksPerWindow checks a user
// in checkWindow.
const (
	checkTimeout    = 15 * time.Second
	checksPerWindow = 10
	checkWindow     = time.Minute
)

// reasonWords are the words of each reason a record does not hold.
var reasonWords = map[string]string{
	dnscheck.OK:           "domains.why.ok",
	dnscheck.Missing:      "domains.why.missing",
	dnscheck.Several:      "domains.why.several",
	dnscheck.WrongKey:     "domains.why.wrong_key",
	dnscheck.Revoked:      "domains.why.revoked",
	dnscheck.NoInclude:    "domains.why.no_include",
	dnscheck.NoPolicy:     "domains.why.no_policy",
	dnscheck.WrongTarget:  "domains.why.wrong_target",
	dnscheck.LookupFailed: "domains.why.lookup_failed",
}

// domainCheck is one record's check as the route answers it: the record
// to publish, whether it holds, and why not, in words.
type domainCheck struct {
	dnscheck.Record
	OK      bool   `json:"ok"`
	Reason  string `json:"reason"`
	Found   string `json:"found"`
	Message string `json:"message"`
}

// checkDomainRoute is POST /api/postrider/domains/{id}/check: it looks the
// caller's domain's records up in DNS (POSTRIDER_DNS_SERVER, or the
// system's resolver), keeps what holds on the domain (verified: the DKIM
// record was found) and answers each record's result.
func checkDomainRoute(cfg config.Config) func(*core.RequestEvent) error {
	limit := &perUserLimit{max: checksPerWindow, window: checkWindow, seen: map[string][]time.Time{}}
	return func(e *core.RequestEvent) error {
		rec, err := e.App.FindFirstRecordByFilter(domainsCollection, "id = {:id} && owner = {:owner}",
			dbx.Params{"id": e.Request.PathValue("id"), "owner": e.Auth.Id})
		if err != nil {
			return e.NotFoundError("", nil)
		}
		if wait := limit.take(e.Auth.Id, time.Now()); wait > 0 {
			e.Response.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			return e.TooManyRequestsError("You have checked your domains many times in a minute: try again in a moment.", nil)
		}
		resolver, err := dnscheck.DefaultResolver(cfg.DNSServer)
		if err != nil {
			e.App.Logger().Error("No DNS resolver for the domains' check", "error", err.Error())
			return e.Error(http.StatusServiceUnavailable, "The service cannot look up DNS now: its resolver is not set up.", nil)
		}
		ctx, cancel := context.WithTimeout(e.Request.Context(), checkTimeout)
		defer cancel()
		want := domainWant(e.App, cfg, rec)
		results := resolver.Check(ctx, want)

		for _, r := range results {
			rec.Set(r.Kind+"_ok", r.OK)
			if r.Kind == dnscheck.DKIM {
				rec.Set("verified", r.OK)
			}
		}
		rec.Set("checked_at", types.NowDateTime())
		if err := e.App.Save(rec); err != nil {
			return err
		}

		lang := pageLang(e)
		checks := make([]domainCheck, len(results))
		for i, r := range want.Records() {
			res := results[i]
			checks[i] = domainCheck{Record: r, OK: res.OK, Reason: res.Reason, Found: res.Found,
				Message: words.T(lang, reasonWords[res.Reason], "name", r.Name, "found", res.Found,
					"include", want.SPFInclude, "target", want.BounceDomain)}
		}
		if err := apis.EnrichRecord(e, rec); err != nil {
			return err
		}
		return e.JSON(http.StatusOK, map[string]any{"domain": rec, "checks": checks})
	}
}

// perUserLimit lets each user do something max times in window.
type perUserLimit struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string][]time.Time // by user: the times within the window
}

// take counts one more for user at now, or says how long to wait.
func (l *perUserLimit) take(user string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := func(ts []time.Time) []time.Time {
		for len(ts) > 0 && now.Sub(ts[0]) >= l.window {
			ts = ts[1:]
		}
		return ts
	}
	if len(l.seen) > 1000 {
		for u, ts := range l.seen {
			if len(recent(ts)) == 0 {
				delete(l.seen, u)
			}
		}
	}
	ts := recent(l.seen[user])
	if len(ts) >= l.max {
		l.seen[user] = ts
		return ts[0].Add(l.window).Sub(now)
	}
	l.seen[user] = append(ts, now)
	return 0
}
