package hooks_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

type listPage[T any] struct {
	Page, PerPage, TotalItems, TotalPages int
	Items                                 []T
}

type userRow struct {
	Id, Email, Name, Role, Created string
	Verified, Blocked              bool
	BlockedReason                  string `json:"blocked_reason"`
	Clients, Mailings              int
	Sent7d                         int     `json:"sent_7d"`
	Failed7d                       int     `json:"failed_7d"`
	FailedShare                    float64 `json:"failed_share"`
}

type mailingRow struct {
	Id, Subject, Status string
	Stopped             bool
	StopReason          string                      `json:"stop_reason"`
	StoppedBy           *struct{ Id, Email string } `json:"stopped_by"`
	Owner               struct{ Id, Email, Name string }
	NextSend            string `json:"next_send"`
	Recipients          int
	LastRun             *struct {
		Id                  string
		Total, Sent, Failed int
	} `json:"last_run"`
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

// usersAre: the page holds total users in all and these on it, in order.
func usersAre(total int, want ...string) check {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		p := decode[listPage[userRow]](t, res)
		if got := ids(p.Items, func(u userRow) string { return u.Id }); p.TotalItems != total || !slices.Equal(got, want) {
			t.Errorf("users: %d in all, this page %v; want %d and %v", p.TotalItems, got, total, want)
		}
	}
}

func mailingsAre(total int, want ...string) check {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		p := decode[listPage[mailingRow]](t, res)
		if got := ids(p.Items, func(m mailingRow) string { return m.Id }); p.TotalItems != total || !slices.Equal(got, want) {
			t.Errorf("mailings: %d in all, this page %v; want %d and %v", p.TotalItems, got, total, want)
		}
	}
}

func TestModerationUsers(t *testing.T) {
	t.Parallel()
	const url = "/api/postrider/moderation/users"
	list := func(who, query, desc string, status int) call {
		c := call{name: "moderation/users/" + who + " " + desc, method: http.MethodGet, url: url + query, who: who, status: status}
		if status == 200 {
			return c.expect(`"items":[`).reject(`"password"`, `"tokenKey"`)
		}
		return c.expect(`"status":`)
	}
	// then by email: "mod2@" sorts before "mod@"
	riskiestFirst := []string{bobID, aliceID, bellaID, mod2ID, modID, umaID}
	runSteps(t, []step{
		given(list(anonymous, "", "is refused", 401)),
		given(list("alice", "", "is refused to a user", 403)),
		given(list("bellaOld", "", "is refused to a blocked user's old token", 403).expect(`"account_blocked"`)),
		given(list("mod", "", "is refused to a blocked moderator whose token survived", 403), blockBySQL(modID)),
		given(list("superuser", "", "lists everyone", 200).then(usersAre(6, riskiestFirst...)), seedNumbers),
		given(list("mod", "", "lists everyone, riskiest first", 200).then(usersAre(6, riskiestFirst...)), seedNumbers),
		given(list("mod", "?perPage=2&page=2", "pages", 200).expect(`"page":2`, `"perPage":2`, `"totalPages":3`).
			then(usersAre(6, bellaID, mod2ID)), seedNumbers),
		given(list("mod", "?sort=email", "sorts by email", 200).then(usersAre(6, aliceID, bellaID, bobID, mod2ID, modID, umaID))),
		given(list("mod", "?sort=-sent_7d", "sorts by most sent", 200).then(usersAre(6, aliceID, bobID, bellaID, mod2ID, modID, umaID)), seedNumbers),
		given(list("mod", "?sort=-created", "sorts newest first", 200).then(usersAre(6, bellaID, umaID, mod2ID, modID, bobID, aliceID))),
		given(list("mod", "?q=BOB", "searches the email", 200).then(usersAre(1, bobID))),
		given(list("mod", "?q=mod", "searches the name", 200).then(usersAre(2, mod2ID, modID))),
		given(list("mod", "?q=%25", "a % is no wildcard", 200).then(usersAre(0))),
		given(list("mod", "?sort=password", "refuses an unknown sort", 400).expect(`"data":{"sort":{"code":"validation_invalid_sort"`)),
		given(list("mod", "?perPage=0", "refuses perPage 0", 400).expect(`"data":{"perPage":`)),
		given(list("mod", "?page=x", "refuses a page that is no number", 400).expect(`"data":{"page":`)),
	})

	// the numbers of one row
	runSteps(t, []step{given(list("mod", "?q=bob@", "shows bob's numbers", 200).then(
		func(t testing.TB, app *tests.TestApp, res *http.Response) {
			p := decode[listPage[userRow]](t, res)
			if len(p.Items) != 1 {
				t.Fatalf("want bob alone: %+v", p)
			}
			got, want := p.Items[0], userRow{Id: bobID, Email: "bob@example.com", Name: bobID, Role: "user", Verified: true,
				Clients: 2, Mailings: 1, Sent7d: 1, Failed7d: 3, FailedShare: 0.75}
			if got.Created == "" {
				t.Error("no created date")
			}
			got.Created = ""
			if got != want {
				t.Errorf("bob's row %+v, want %+v", got, want)
			}
		}), seedNumbers),
		given(list("mod", "?q=bella", "shows why bella is blocked", 200).expect(`"blocked":true,"blocked_reason":"Sent spam"`),
			set("users", bellaID, map[string]any{"blocked_reason": "Sent spam"})),
	})
}

func TestModerationMailings(t *testing.T) {
	t.Parallel()
	const url = "/api/postrider/moderation/mailings"
	list := func(who, query, desc string, status int) call {
		c := call{name: "moderation/mailings/" + who + " " + desc, method: http.MethodGet, url: url + query, who: who, status: status}
		if status == 200 {
			// never a client's address, nor the content (read it through the mailing's own record)
			return c.expect(`"items":[`).reject("alice-client", "bob-client", `"body"`)
		}
		return c.expect(`"status":`)
	}
	// newest first: alice's mailing, then bob's, then bella's were made
	newestFirst := []string{bellaMailing, bobMailing, aliceMailing}
	apart := func(t testing.TB, app *tests.TestApp) {
		for i, id := range []string{aliceMailing, bobMailing, bellaMailing} {
			_, err := app.DB().Update("mailings", dbx.Params{"created": fmt.Sprintf("2026-01-0%d 10:00:00.000Z", i+1)}, dbx.HashExp{"id": id}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	row := func(id string, check func(t testing.TB, app *tests.TestApp, m mailingRow)) check {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			p := decode[listPage[mailingRow]](t, res)
			for _, m := range p.Items {
				if m.Id == id {
					check(t, app, m)
					return
				}
			}
			t.Errorf("mailing %s not listed: %+v", id, p)
		}
	}
	runSteps(t, []step{
		given(list(anonymous, "", "is refused", 401)),
		given(list("alice", "", "is refused to a user", 403)),
		given(list("bellaOld", "", "is refused to a blocked user's old token", 403).expect(`"account_blocked"`)),
		given(list("mod", "", "is refused to a blocked moderator whose token survived", 403), blockBySQL(modID)),
		given(list("superuser", "", "lists every mailing", 200).then(mailingsAre(3, newestFirst...)), apart),
		given(list("mod", "", "lists every mailing, newest first", 200).then(mailingsAre(3, newestFirst...)), apart),
		given(list("mod", "", "shows alice's mailing", 200).then(row(aliceMailing, func(t testing.TB, app *tests.TestApp, m mailingRow) {
			s, _ := app.FindRecordById("schedules", aliceSchedule)
			if m.Subject != "alice news" || m.Status != "running" || m.Stopped || m.StoppedBy != nil ||
				m.Owner.Id != aliceID || m.Owner.Email != "alice@example.com" || m.Owner.Name != aliceID ||
				m.Recipients != 2 || m.NextSend != s.GetDateTime("next_run_at").String() {
				t.Errorf("alice's mailing: %+v", m)
			}
			// the latest occurrence is the fixture's run (tomorrow), not the ones seeded in the past
			if m.LastRun == nil || m.LastRun.Id != aliceRun || m.LastRun.Total != 1 || m.LastRun.Sent != 1 || m.LastRun.Failed != 0 {
				t.Errorf("alice's last run: %+v", m.LastRun)
			}
		})), seedNumbers),
		given(list("mod", "", "shows a moderator's stop", 200).
			expect(`"stopped":true,"stop_reason":"Bought addresses","stopped_by":{"id":"`+modID+`","email":"mod@example.com"}`).
			then(row(aliceMailing, func(t testing.TB, app *tests.TestApp, m mailingRow) {
				if m.NextSend != "" {
					t.Errorf("a stopped mailing shows a next send: %q", m.NextSend)
				}
			})), stoppedByMod),
		given(list("mod", "", "counts each recipient once, minus the unsubscribed", 200).
			then(row(aliceMailing, func(t testing.TB, app *tests.TestApp, m mailingRow) {
				if m.Recipients != 1 {
					t.Errorf("alice's mailing reaches %d, want 1 (her client in the list and picked, the other unsubscribed)", m.Recipients)
				}
			})),
			set("mailings", aliceMailing, map[string]any{"clients": []string{aliceClient, aliceClient2}}),
			set("clients", aliceClient2, map[string]any{"unsubscribed": true})),
		given(list("mod", "", "shows no welcome window's start as the next send", 200).
			then(row(aliceMailing, func(t testing.TB, app *tests.TestApp, m mailingRow) {
				s, _ := app.FindRecordById("schedules", aliceSchedule)
				if m.NextSend != s.GetDateTime("next_run_at").String() {
					t.Errorf("alice's next send %q, want her weekly window's %q", m.NextSend, s.GetDateTime("next_run_at").String())
				}
			})), welcomeInAnHour),
		given(list("mod", "", "shows no next send for a blocked owner", 200).
			then(row(bobMailing, func(t testing.TB, app *tests.TestApp, m mailingRow) {
				if m.NextSend != "" || m.LastRun == nil || m.LastRun.Id != bobRun {
					t.Errorf("bob's mailing: %+v", m)
				}
			})), blockBySQL(bobID)),
		given(list("mod", "?owner="+bobID, "filters by owner", 200).then(mailingsAre(1, bobMailing))),
		given(list("mod", "?status=running", "filters by status", 200).then(mailingsAre(1, aliceMailing)), seedNumbers),
		given(list("mod", "?stopped=true", "filters the stopped", 200).then(mailingsAre(1, aliceMailing)), stoppedByMod),
		given(list("mod", "?q=BOB", "searches the subject", 200).then(mailingsAre(1, bobMailing))),
		given(list("mod", "?perPage=1&page=3&sort=subject", "pages and sorts", 200).expect(`"totalPages":3`).then(mailingsAre(3, bobMailing))),
		given(list("mod", "?status=sent", "refuses an unknown status", 400).expect(`"data":{"status":`)),
		given(list("mod", "?stopped=maybe", "refuses stopped that is no bool", 400).expect(`"data":{"stopped":`)),
		given(list("mod", "?sort=body", "refuses an unknown sort", 400).expect(`"data":{"sort":`)),
	})
}
