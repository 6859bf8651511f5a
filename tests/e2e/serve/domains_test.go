package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"postrider/internal/e2e"
	"strings"
	"testing"
	"time"

	"postrider/internal/dnstest"
)

// realtime is one connection to /api/realtime, subscribed to topic with
// token's auth; events gives the data of each message on that topic.
func realtime(t *testing.T, in *e2e.Instance, token, topic string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", in.URL+"/api/realtime", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 10)
	connected := make(chan string, 1)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event:"); ok {
				name = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(line, "data:"); ok {
				switch name {
				case "PB_CONNECT":
					var c struct{ ClientID string }
					json.Unmarshal([]byte(v), &c)
					connected <- c.ClientID
				case topic:
					events <- v
				}
			}
		}
	}()
	select {
	case id := <-connected:
		in.Must(204, "POST", "/api/realtime", token, map[string]any{"clientId": id, "subscriptions": []string{topic}})
	case <-time.After(30 * time.Second):
		t.Fatal("no PB_CONNECT from /api/realtime")
	}
	return events
}

// The private key of a domain is in no realtime message: the owner's and
// a superuser's (PocketBase gives superusers hidden fields) each see the
// new domain, with its public key and records, and no private key.
func TestRealtimeCarriesNoPrivateKey(t *testing.T) {
	dns := dnstest.Start(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DNS_SERVER": dns.Addr, "POSTRIDER_DISPATCH_CRON": "off"})
	root := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	streams := map[string]<-chan string{
		"the owner":   realtime(t, in, owner, "domains/*"),
		"a superuser": realtime(t, in, root, "domains/*"),
	}
	created := in.Must(200, "POST", "/api/collections/domains/records", owner, map[string]any{"domain": "shop.example"})
	id := created["id"].(string)
	// a check saves the domain again: an update event
	in.Must(200, "POST", "/api/postrider/domains/"+id+"/check", owner, nil)
	for who, events := range streams {
		for _, action := range []string{"create", "update"} {
			select {
			case data := <-events:
				if !strings.Contains(data, `"action":"`+action+`"`) || !strings.Contains(data, `"domain":"shop.example"`) ||
					!strings.Contains(data, `"dkim_public":"v=DKIM1; k=rsa; p=MII`) || !strings.Contains(data, `"records":[`) {
					t.Errorf("%s's %s event: %s", who, action, data)
				}
				if strings.Contains(data, "dkim_private") || strings.Contains(data, "PRIVATE KEY") {
					t.Errorf("%s's %s event carries the private key: %s", who, action, data)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s got no %s event", who, action)
			}
		}
	}
}
