package hooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/dispatch"
	"postrider/hooks"
	"postrider/internal/dnscheck"
	"postrider/internal/dnstest"
	"postrider/mailout"
)

const (
	aliceDomain = "alicedomain0001"
	bobDomain   = "bobdomain000001"
	// the service's bounce domain, and so its SPF include, in these tests
	bounceDomain = "mail.postrider.example"
)

func init() { fixtureCount["domains"] = 2 }

// two keys made once for the whole run: a 2048-bit RSA key takes a
// while to make, and each test app copies the fixture's domains
var domainKeys = sync.OnceValue(func() [2][]byte {
	var out [2][]byte
	for i := range out {
		_, pem, err := mailout.NewDKIMKey()
		if err != nil {
			panic(err)
		}
		out[i] = pem
	}
	return out
})

// domainsApp is the fixture with alice's domain (alice-shop.example) and
// bob's (bob-shop.example), the hooks bound with the DNS server at dnsAddr.
func domainsApp(dnsAddr string) func(testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp {
		app, err := tests.NewTestApp(fixtureDir)
		if err != nil {
			t.Fatal(err)
		}
		hooks.Register(app, config.Config{DNSServer: dnsAddr, BounceDomain: bounceDomain})
		col, err := app.FindCollectionByNameOrId("domains")
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range []struct{ id, owner, name string }{{aliceDomain, aliceID, "alice-shop.example"}, {bobDomain, bobID, "bob-shop.example"}} {
			r := core.NewRecord(col)
			r.Id = d.id
			r.Load(map[string]any{"owner": d.owner, "domain": d.name, "dkim_private": string(domainKeys()[i])})
			if err := app.Save(r); err != nil {
				t.Fatal(err)
			}
		}
		return app
	}
}

// the PEM's body, as it would show in a leaked response
func keyText(i int) string {
	lines := strings.Split(string(domainKeys()[i]), "\n")
	return lines[3]
}

// noKey: no response carries a private key, whoever asks.
func noKey(c call) call {
	return c.reject(`"dkim_private":"`, "PRIVATE KEY", keyText(0), keyText(1))
}

func (c call) domainsScenario(dnsAddr string) tests.ApiScenario {
	s := noKey(c).scenario()
	s.TestAppFactory = domainsApp(dnsAddr)
	return s
}

// The collection's rules for every caller: a domain is its owner's alone
// (a moderator sees none, as they see no one's clients), and the private
// key is in no answer, a superuser's included.
func TestDomainsAccess(t *testing.T) {
	t.Parallel()
	all := []string{aliceDomain, bobDomain}
	n := 2
	on := "on alice's domain"
	published := `"dkim_public":"v=DKIM1; k=rsa; p=MII`
	calls := []call{
		listCall("domains", anonymous, "sees none", nil, all),
		listCall("domains", "alice", "sees only hers, with the records to publish", []string{aliceDomain}, []string{bobDomain}).
			expect(published, `"records":[{"kind":"dkim","type":"TXT","name":"postrider-`, `"name":"bounces.alice-shop.example","value":"`+bounceDomain+`"`),
		listCall("domains", "bob", "sees only his", []string{bobDomain}, []string{aliceDomain}),
		listCall("domains", "mod", "sees none", nil, all),
		listCall("domains", "bellaOld", "sees none", nil, all).blockedOut(),
		listCall("domains", "superuser", "sees all, without keys", all, nil).expect(published),
		{name: "domains/list/superuser filtering on the key is refused", method: http.MethodGet,
			url: recordsURL("domains") + "?filter=" + "dkim_private~'MII'", who: "superuser", status: 400,
			want: []string{`"status":400`}, notWant: []string{`"id":"`}},

		viewCall("domains", aliceDomain, anonymous, on, 404),
		viewCall("domains", aliceDomain, "alice", on, 200).expect(published, `"verified":false`),
		viewCall("domains", aliceDomain, "bob", on, 404),
		viewCall("domains", aliceDomain, "mod", on, 404),
		viewCall("domains", aliceDomain, "bellaOld", on, 404).blockedOut(),
		viewCall("domains", aliceDomain, "superuser", on, 200).expect(published),

		createCall("domains", anonymous, "is refused", map[string]any{"domain": "new.example"}, 400).then(countIs("domains", n)),
		createCall("domains", "alice", "naming bob as owner, a key and verified, gets her own, unverified, with a new key",
			map[string]any{"domain": "  News.Alice.EXAMPLE. ", "owner": bobID, "dkim_private": string(domainKeys()[1]), "verified": true, "dkim_ok": true}, 200).
			expect(`"owner":"`+aliceID+`"`, `"domain":"news.alice.example"`, `"verified":false`, `"dkim_ok":false`, `"selector":"postrider-`).
			then(createdWith("domains", map[string]any{"owner": aliceID, "verified": false}), keyIsNew(aliceID, "news.alice.example")),
		createCall("domains", "alice", "of an internationalized name stores its ASCII form", map[string]any{"domain": "Пример.РФ"}, 200).
			expect(`"domain":"xn--e1afmkfd.xn--p1ai"`).then(createdWith("domains", map[string]any{"domain": "xn--e1afmkfd.xn--p1ai"})),
		createCall("domains", "alice", "she has already is refused", map[string]any{"domain": "ALICE-shop.example"}, 400).
			expect(`"data":{"domain":{"code":"validation_not_unique"`).then(countIs("domains", n)),
		createCall("domains", "bob", "that alice has too", map[string]any{"domain": "alice-shop.example"}, 200).
			then(createdWith("domains", map[string]any{"owner": bobID, "domain": "alice-shop.example"})),
		createCall("domains", "mod", "gets his own", map[string]any{"domain": "mod.example"}, 200).
			then(createdWith("domains", map[string]any{"owner": modID})),
		createCall("domains", "bellaOld", "is refused", map[string]any{"domain": "bella.example"}, 400).blockedOut().then(countIs("domains", n)),
		createCall("domains", "superuser", "for alice", map[string]any{"domain": "su.example", "owner": aliceID}, 200).
			expect(published).then(createdWith("domains", map[string]any{"owner": aliceID})),

		updateCall("domains", aliceDomain, "alice", "changing its name", map[string]any{"domain": "other.example"}, 403).
			then(fieldIs("domains", aliceDomain, "domain", "alice-shop.example")),
		updateCall("domains", aliceDomain, "alice", "marking it verified", map[string]any{"verified": true}, 403).
			then(fieldIs("domains", aliceDomain, "verified", false)),
		updateCall("domains", aliceDomain, "bob", on, map[string]any{"verified": true}, 403).
			then(fieldIs("domains", aliceDomain, "verified", false)),
		updateCall("domains", aliceDomain, "superuser", "changing its name", map[string]any{"domain": "other.example"}, 400).
			expect(`"data":{"domain":{"code":"validation_domain_immutable"`).then(fieldIs("domains", aliceDomain, "domain", "alice-shop.example")),
		updateCall("domains", aliceDomain, "superuser", "replacing its key", map[string]any{"dkim_private": string(domainKeys()[1])}, 400).
			expect(`"data":{"dkim_private":`).then(keyIs(aliceDomain, 0)),

		deleteCall("domains", aliceDomain, "alice", on, 204).then(gone("domains", aliceDomain)),
		deleteCall("domains", aliceDomain, "superuser", on, 204).then(gone("domains", aliceDomain)),
	}
	for _, who := range []string{anonymous, "bob", "mod", "bellaOld"} {
		calls = append(calls, forWho(who, deleteCall("domains", aliceDomain, who, on, 404).then(exists("domains", aliceDomain)))...)
	}
	for _, bad := range []string{"1.2.3.4", "alice@alice-shop.example", "localhost", "https://alice.example/", "a b.example", ""} {
		calls = append(calls, createCall("domains", "alice", fmt.Sprintf("%q is refused", bad), map[string]any{"domain": bad}, 400).
			expect(`"data":{"domain":`).then(countIs("domains", n)))
	}
	for _, c := range calls {
		s := c.domainsScenario("127.0.0.1:1")
		s.Test(t)
	}
}

// keyIsNew: the domain created got a key of the server's, not the one sent.
func keyIsNew(owner, domain string) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		r, err := app.FindFirstRecordByFilter("domains", "owner = {:o} && domain = {:d}", map[string]any{"o": owner, "d": domain})
		if err != nil {
			t.Fatal(err)
		}
		pem := r.GetString("dkim_private")
		if !strings.Contains(pem, "PRIVATE KEY") || pem == string(domainKeys()[1]) {
			t.Errorf("stored key: %.40q, want one the server made", pem)
		}
		if _, err := mailout.ParseDKIMKey([]byte(pem)); err != nil {
			t.Error(err)
		}
	}
}

func keyIs(id string, i int) check {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if r := load(t, app, "domains", id); r != nil && r.GetString("dkim_private") != string(domainKeys()[i]) {
			t.Errorf("%s: the key changed", id)
		}
	}
}

// publishAll puts on s every record alice's domain asks for, as she would
// copy them from the page.
func publishAll(t testing.TB, s *dnstest.Server, app core.App, id string) {
	t.Helper()
	var records []dnscheck.Record
	r, err := app.FindRecordById("domains", id)
	if err != nil {
		t.Fatal(err)
	}
	w := dnscheck.Want{Domain: r.GetString("domain"), Selector: r.GetString("selector"), DKIMKey: dnscheck.DKIMKeyOf(r.GetString("dkim_public")),
		SPFInclude: bounceDomain, ReturnPath: dnscheck.ReturnPathName(r.GetString("domain")), BounceDomain: bounceDomain}
	records = w.Records()
	for _, rec := range records {
		if rec.Type == "CNAME" {
			s.CNAME(rec.Name, rec.Value)
		} else {
			s.TXT(rec.Name, rec.Value)
		}
	}
}

type checkAnswer struct {
	Domain map[string]any `json:"domain"`
	Checks []struct {
		dnscheck.Record
		OK      bool   `json:"ok"`
		Reason  string `json:"reason"`
		Found   string `json:"found"`
		Message string `json:"message"`
	} `json:"checks"`
}

func readCheck(t testing.TB, res *http.Response) checkAnswer {
	var a checkAnswer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func reasonsOf(a checkAnswer) string {
	var out []string
	for _, c := range a.Checks {
		out = append(out, c.Kind+"="+c.Reason)
	}
	return strings.Join(out, " ")
}

// POST /api/postrider/domains/{id}/check against a DNS server in the test:
// a domain with every record holds all four and is verified, and its key
// then signs mail that an independent verifier (go-msgauth) passes with
// that DNS; a wrong DKIM key, or no records, say why and leave it
// unverified; another user's domain is not found.
func TestCheckingADomain(t *testing.T) {
	t.Parallel()
	url := "/api/postrider/domains/" + aliceDomain + "/check"

	for _, tc := range []struct {
		name     string
		publish  func(s *dnstest.Server, app core.App)
		reasons  string
		verified bool
		message  string
	}{
		{"with every record", func(s *dnstest.Server, app core.App) { publishAll(t, s, app, aliceDomain) },
			"dkim=ok spf=ok dmarc=ok return_path=ok", true, "Found and correct."},
		{"with another key", func(s *dnstest.Server, app core.App) {
			publishAll(t, s, app, bobDomain) // bob's records, at alice's names
			r, _ := app.FindRecordById("domains", aliceDomain)
			b, _ := app.FindRecordById("domains", bobDomain)
			s.TXT(r.GetString("selector")+"._domainkey.alice-shop.example", b.GetString("dkim_public"))
			s.TXT("alice-shop.example", "v=spf1 include:"+bounceDomain+" ~all")
		}, "dkim=wrong_key spf=ok dmarc=missing return_path=missing", false, "holds another key"},
		{"with no records", func(*dnstest.Server, core.App) {},
			"dkim=missing spf=missing dmarc=missing return_path=missing", false, "Nothing is published at"},
	} {
		s := dnstest.Start(t)
		scenario := tests.ApiScenario{
			Name: "alice checks her domain " + tc.name, Method: http.MethodPost, URL: url,
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: domainsApp(s.Addr), ExpectedStatus: 200,
			ExpectedContent:    []string{`"checks":[`, tc.message},
			NotExpectedContent: []string{"dkim_private", "PRIVATE KEY", keyText(0)},
			BeforeTestFunc: func(t testing.TB, a *tests.TestApp, _ *core.ServeEvent) {
				tc.publish(s, a)
			},
			AfterTestFunc: func(t testing.TB, a *tests.TestApp, res *http.Response) {
				ans := readCheck(t, res)
				if got := reasonsOf(ans); got != tc.reasons {
					t.Errorf("reasons %q, want %q", got, tc.reasons)
				}
				r := load(t, a, "domains", aliceDomain)
				if r.GetBool("verified") != tc.verified || r.GetBool("dkim_ok") != tc.verified || r.GetDateTime("checked_at").IsZero() {
					t.Errorf("stored: verified %v, dkim_ok %v, checked_at %v; want verified %v",
						r.GetBool("verified"), r.GetBool("dkim_ok"), r.GetDateTime("checked_at"), tc.verified)
				}
				if ans.Domain["verified"] != tc.verified {
					t.Errorf("answered verified %v", ans.Domain["verified"])
				}
				signsAsTheDomain(t, a, s, tc.verified)
			},
		}
		scenario.Test(t)
	}

	for who, status := range map[string]int{"bob": 404, "mod": 404, "bellaOld": 403} {
		s := dnstest.Start(t)
		scenario := tests.ApiScenario{
			Name: who + " checks alice's domain", Method: http.MethodPost, URL: url,
			Headers:        map[string]string{"Authorization": tokens[who]},
			TestAppFactory: domainsApp(s.Addr), ExpectedStatus: status,
			ExpectedContent:    []string{fmt.Sprintf(`"status":%d`, status)},
			NotExpectedContent: []string{`"checks"`, "alice-shop"},
			AfterTestFunc: func(t testing.TB, a *tests.TestApp, _ *http.Response) {
				if r := load(t, a, "domains", aliceDomain); !r.GetDateTime("checked_at").IsZero() {
					t.Error("alice's domain was checked")
				}
				if s.Queries() != 0 {
					t.Errorf("%d DNS queries made", s.Queries())
				}
			},
		}
		scenario.Test(t)
	}
}

// signsAsTheDomain: VerifiedDomainKey gives alice's key for her domain
// when it is verified (a signature go-msgauth verifies with the test's
// DNS, d= her domain), and nothing when it is not, nor for bob.
func signsAsTheDomain(t testing.TB, app core.App, s *dnstest.Server, verified bool) {
	d, ok, err := dispatch.VerifiedDomainKey(app, aliceID, "Alice-Shop.example")
	if err != nil || ok != verified || (d != nil) != verified {
		t.Fatalf("VerifiedDomainKey: %v %v %v, want ok %v", d, ok, err, verified)
	}
	if _, ok, _ := dispatch.VerifiedDomainKey(app, bobID, "alice-shop.example"); ok {
		t.Error("bob got a key for alice's domain")
	}
	if !verified {
		return
	}
	msg := "From: Alice <news@alice-shop.example>\r\nTo: x@example.net\r\nSubject: Hi\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\nMessage-ID: <1@alice-shop.example>\r\n\r\nHello\r\n"
	signed, err := d.Sign([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) ([]string, error) {
		return lookupTXT(s.Addr, name)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "alice-shop.example" {
		t.Errorf("verification: %+v %v", vs, err)
	}
}

// lookupTXT asks the test's DNS server through the service's own checker.
func lookupTXT(addr, name string) ([]string, error) {
	return dnscheck.Resolver{Server: addr}.TXT(context.Background(), name)
}

// A user checks at most ten times a minute: the eleventh answers 429 with
// Retry-After, and asks DNS nothing.
func TestCheckingIsRateLimitedPerUser(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	url := "/api/postrider/domains/" + aliceDomain + "/check"
	scenario := tests.ApiScenario{
		Name: "alice's eleventh check in a minute", Method: http.MethodPost, URL: url,
		Headers:        map[string]string{"Authorization": tokens["alice"]},
		TestAppFactory: domainsApp(s.Addr), ExpectedStatus: 429,
		ExpectedContent: []string{`"status":429`, "try again"},
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			mux, err := e.Router.BuildMux()
			if err != nil {
				t.Fatal(err)
			}
			for i := range 10 {
				req := httptest.NewRequest(http.MethodPost, url, nil)
				req.Header.Set("Authorization", tokens["alice"])
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != 200 {
					t.Fatalf("check %d: %d %s", i+1, rec.Code, rec.Body)
				}
			}
			if s.Queries() != 40 {
				t.Fatalf("%d queries for ten checks, want 40", s.Queries())
			}
		},
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			if res.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			if s.Queries() != 40 {
				t.Errorf("%d queries, want still 40", s.Queries())
			}
		},
	}
	scenario.Test(t)
}

// Each domain costs a key of the server's making, so an account keeps at
// most 20 and adds at most ten a minute: the next answers 400 naming the
// field, or 429, and nothing is created.
func TestDomainsAreBounded(t *testing.T) {
	t.Parallel()
	create := func(name string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, recordsURL("domains"), strings.NewReader(`{"domain":"`+name+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", tokens["alice"])
		return req
	}
	scenarios := []tests.ApiScenario{
		{
			Name:            "alice's 21st domain",
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{"domain":{"code":"validation_too_many_domains","message":"You have 20 domains`},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				col, _ := app.FindCollectionByNameOrId("domains")
				for i := range 19 {
					r := core.NewRecord(col)
					r.Load(map[string]any{"owner": aliceID, "domain": fmt.Sprintf("d%d.alice.example", i), "dkim_private": string(domainKeys()[0])})
					if err := app.Save(r); err != nil {
						t.Fatal(err)
					}
				}
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) { countIs("domains", 21)(t, app, nil) },
		},
		{
			Name:            "alice's eleventh try in a minute",
			ExpectedStatus:  429,
			ExpectedContent: []string{`"status":429`, "try again"},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				mux, err := e.Router.BuildMux()
				if err != nil {
					t.Fatal(err)
				}
				for range 10 {
					rec := httptest.NewRecorder()
					mux.ServeHTTP(rec, create("not a domain"))
					if rec.Code != 400 {
						t.Fatalf("a bad name: %d %s", rec.Code, rec.Body)
					}
				}
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) { countIs("domains", 2)(t, app, nil) },
		},
	}
	for _, s := range scenarios {
		s.Method, s.URL, s.Body = http.MethodPost, recordsURL("domains"), strings.NewReader(`{"domain":"fresh.example"}`)
		s.Headers = map[string]string{"Authorization": tokens["alice"], "Content-Type": "application/json"}
		s.TestAppFactory = domainsApp("127.0.0.1:1")
		s.Test(t)
	}
}
