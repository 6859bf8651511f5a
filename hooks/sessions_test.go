package hooks_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

// A token that does not verify tells nothing about the account it names:
// a forged token naming a blocked user is answered exactly as one naming
// a user in good standing (the owner's id is in every message's
// Feedback-ID). Only a token the account was really given learns that it
// is blocked.
func TestAForgedTokenDoesNotTellWhetherTheAccountIsBlocked(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	claims := func(id string) map[string]any {
		return map[string]any{core.TokenClaimId: id, core.TokenClaimType: core.TokenTypeAuth,
			core.TokenClaimCollectionId: users.Id, core.TokenClaimRefreshable: true, "exp": time.Now().Add(time.Hour).Unix()}
	}
	forge := func(id string) string {
		token, err := security.NewJWT(claims(id), "a key the attacker made up, long enough", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	unsigned := func(id string) string {
		header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
		payload, _ := json.Marshal(claims(id))
		return base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	}
	// alice is blocked now, holding a token from before
	aliceOld := tokens["alice"]
	alice, err := app.FindRecordById("users", aliceID)
	if err != nil {
		t.Fatal(err)
	}
	alice.Set("blocked", true)
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}

	const url = "/api/postrider/stats"
	anonymous, _ := api.do(http.MethodGet, url, "", "")
	for _, name := range []string{"alice (blocked)", "bella (blocked)", "bob"} {
		id := map[string]string{"alice (blocked)": aliceID, "bella (blocked)": bellaID, "bob": bobID}[name]
		for kind, token := range map[string]string{
			"signed with a made-up key": forge(id),
			"unsigned":                  unsigned(id),
		} {
			status, body := api.do(http.MethodGet, url, token, "")
			if status != anonymous || status == http.StatusForbidden {
				t.Errorf("a forged token (%s) naming %s: %d %s, want %d as with no token", kind, name, status, body, anonymous)
			}
		}
	}
	api.expect("alice's own token from before the block is told why", 403, http.MethodGet, url, aliceOld, "", `"account_blocked"`)
	api.expect("bella's own token is told why", 403, http.MethodGet, url, tokens["bellaOld"], "", `"account_blocked"`)
}
