package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
)

const (
	aliceList3   = "alicelist000003"
	bellaList    = "bellalist000001"
	reachMailing = "alicemailing002"
	pickMailing  = "alicemailing003"
	onceMailing  = "alicemailing004"
)

// audiences gives alice clients in one list, the other, both, none,
// unsubscribed, bouncing, moved from a list to another, deleted, and in a
// list that is deleted; mailings of lists and picked clients (one of bob's
// among them by SQL, and one unsubscribed), one sent once per client to two of
// its audience and one client outside it; and bella, blocked, a list of
// two. Every change goes through record saves, as the API and the import
// make them.
func audiences(t testing.TB, app *tests.TestApp) {
	save := func(collection, id string, data map[string]any) { saveRecord(t, app, collection, id, data) }
	del := func(collection, id string) {
		t.Helper()
		r, err := app.FindRecordById(collection, id)
		if err == nil {
			err = app.Delete(r)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client := func(id, owner string, lists []string, more map[string]any) {
		data := map[string]any{"owner": owner, "email": id + "@example.com", "lists": lists}
		for k, v := range more {
			data[k] = v
		}
		save("clients", id, data)
	}
	save("lists", aliceList2, map[string]any{"owner": aliceID, "name": "alice two"})
	save("lists", aliceList3, map[string]any{"owner": aliceID, "name": "alice three"})
	save("lists", bellaList, map[string]any{"owner": bellaID, "name": "bella"})
	l1, l2, l3 := aliceList, aliceList2, aliceList3
	client("alicereach00001", aliceID, []string{l1}, nil)
	client("alicereach00002", aliceID, []string{l2}, nil)
	client("alicereach00003", aliceID, []string{l1, l2}, nil)
	client("alicereach00004", aliceID, nil, nil)
	client("alicereach00005", aliceID, []string{l1}, map[string]any{"unsubscribed": true})
	client("alicereach00006", aliceID, []string{l2}, map[string]any{"bouncing": true})
	client("alicereach00007", aliceID, []string{l3}, nil)
	client("alicereach00008", aliceID, []string{l1}, nil)
	client("alicereach00009", aliceID, []string{l2}, nil)
	client("alicereach00010", aliceID, []string{l1, l3}, nil)
	client("bellareach00001", bellaID, []string{bellaList}, nil)
	client("bellareach00002", bellaID, []string{bellaList}, map[string]any{"bouncing": true})
	save("clients", "alicereach00008", map[string]any{"lists": []string{l2}}) // moved
	del("clients", "alicereach00009")
	del("lists", l3) // its clients leave it
	body := map[string]any{"owner": aliceID, "subject": "reach", "body": "<p>hi</p>"}
	with := func(more map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range []map[string]any{body, more} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	save("mailings", reachMailing, with(map[string]any{"lists": []string{l1, l2},
		"clients": []string{"alicereach00004", "alicereach00005", "alicereach00001"}}))
	// bob's client among them, as no save lets it be
	picked := `["alicereach00004","alicereach00005","` + bobClient + `","alicereach00001"]`
	if _, err := app.DB().Update("mailings", dbx.Params{"clients": picked}, dbx.HashExp{"id": reachMailing}).Execute(); err != nil {
		t.Fatal(err)
	}
	save("mailings", pickMailing, with(map[string]any{"clients": []string{"alicereach00004", "alicereach00006", "alicereach00002"}}))
	save("mailings", onceMailing, with(map[string]any{"lists": []string{l2}, "once_per_client": true}))
	for _, c := range []string{"alicereach00002", "alicereach00003", "alicereach00004"} {
		if _, err := app.DB().Insert("_postrider_reached", dbx.Params{"mailing": onceMailing, "client": c}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	save("mailings", bellaMailing, map[string]any{"lists": []string{bellaList}})
}

// The moderators' mailing list counts each mailing's reach as a run
// would (dispatch.CountRecipients): lists and picked clients once each,
// without the unsubscribed, the bouncing, another owner's clients, the
// clients who left a list or were deleted, and, sent once per client,
// those who had it; a blocked owner's too. The lists page and the clients
// page count every client of a list, unsubscribed and bouncing included;
// the home page and the moderators' users page every client of a user.
func TestReachCountsMatchWhatARunWouldSend(t *testing.T) {
	t.Parallel()
	sameAsARun := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		p := decode[listPage[mailingRow]](t, res)
		want := map[string]int{reachMailing: 7, pickMailing: 2, onceMailing: 1, aliceMailing: 5, bellaMailing: 1}
		seen := 0
		for _, m := range p.Items {
			r, err := app.FindRecordById("mailings", m.Id)
			if err != nil {
				t.Fatal(err)
			}
			n, err := dispatch.CountRecipients(app, r)
			if err != nil {
				t.Fatal(err)
			}
			if m.Recipients != n {
				t.Errorf("mailing %s: the page shows %d recipients, a run would send to %d", m.Id, m.Recipients, n)
			}
			if w, ok := want[m.Id]; ok {
				seen++
				if m.Recipients != w {
					t.Errorf("mailing %s reaches %d, want %d", m.Id, m.Recipients, w)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("%d of the %d mailings are listed: %+v", seen, len(want), p.Items)
		}
	}
	listCounts := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		got := decode[map[string]int](t, res)
		if len(got) != 2 || got[aliceList] != 5 || got[aliceList2] != 4 {
			t.Errorf("alice's lists count %v; want %s: 5 and %s: 4 (the unsubscribed and bouncing included)", got, aliceList, aliceList2)
		}
	}
	runSteps(t, []step{
		given(call{name: "moderation/mailings counts as a run would", method: http.MethodGet,
			url: "/api/postrider/moderation/mailings?perPage=50", who: "mod", status: 200}.expect(`"items":[`).then(sameAsARun),
			audiences, blockBySQL(bellaID)),
		given(call{name: "clients/page counts the owner's clients", method: http.MethodGet,
			url: "/api/postrider/clients/page", who: "alice", status: 200}.expect(`"totalItems":11`), audiences),
		given(call{name: "clients/page counts a list's clients", method: http.MethodGet,
			url: "/api/postrider/clients/page?list=" + aliceList2, who: "alice", status: 200}.expect(`"totalItems":4`), audiences),
		given(call{name: "clients/page counts the bouncing clients", method: http.MethodGet,
			url: "/api/postrider/clients/page?bouncing=1", who: "alice", status: 200}.expect(`"totalItems":1`), audiences),
		given(call{name: "stats counts the owner's clients", method: http.MethodGet,
			url: "/api/postrider/stats", who: "alice", status: 200}.expect(`"clients":11`), audiences),
		given(call{name: "moderation/users counts each user's clients", method: http.MethodGet,
			url: "/api/postrider/moderation/users?q=alice", who: "mod", status: 200}.expect(`"clients":11`), audiences),
		given(call{name: "lists/counts counts every client of a list", method: http.MethodGet,
			url: "/api/postrider/lists/counts", who: "alice", status: 200}.expect(`"`+aliceList+`":5`).then(listCounts), audiences),
	})
}
