package dispatch_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/dispatch"
	"postrider/hooks"
	"postrider/internal/bounce"
	"postrider/internal/smtptest"
	"postrider/mailout"
)

// world is a test app with one user, a real SMTP server on loopback that
// the settings point at, and helpers to make data and run passes.
type world struct {
	t    testing.TB
	app  *tests.TestApp
	smtp *smtptest.Server
	user *core.Record
	now  time.Time
}

func newWorld(t testing.TB) *world {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	hooks.Register(app, config.Config{})
	w := &world{t: t, app: app, smtp: smtptest.Start(t), now: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := app.Settings()
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port = true, w.smtp.Host, w.smtp.Port
	s.Meta.SenderAddress, s.Meta.SenderName = "news@postrider.test", "Postrider News"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	w.user = w.newUser("owner@example.com", "UTC")
	return w
}

func (w *world) save(collection string, data map[string]any) *core.Record {
	w.t.Helper()
	col, err := w.app.FindCollectionByNameOrId(collection)
	if err != nil {
		w.t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Load(data)
	if err := w.app.Save(r); err != nil {
		w.t.Fatalf("saving %s %v: %v", collection, data, err)
	}
	return r
}

func (w *world) newUser(email, tz string) *core.Record {
	col, _ := w.app.FindCollectionByNameOrId("users")
	u := core.NewRecord(col)
	u.SetEmail(email)
	u.SetPassword("a long password")
	u.SetVerified(true)
	u.Set("timezone", tz)
	if err := w.app.Save(u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// clients makes n clients of the user in list (when not ""), named c0@… .
func (w *world) clients(prefix string, n int, list string, extra map[string]any) []*core.Record {
	var out []*core.Record
	for i := range n {
		data := map[string]any{"owner": w.user.Id, "email": fmt.Sprintf("%s%d@example.org", prefix, i)}
		if list != "" {
			data["lists"] = []string{list}
		}
		for k, v := range extra {
			data[k] = v
		}
		out = append(out, w.save("clients", data))
	}
	return out
}

func (w *world) mailing(lists []string, picked []string) *core.Record {
	return w.save("mailings", map[string]any{
		"owner": w.user.Id, "subject": "Spring news", "body": "<h1>Hello</h1><p>Spring is here.</p>",
		"lists": lists, "clients": picked,
	})
}

// listMailing makes n clients (c0@example.org …) in one list and a
// mailing to that list.
func (w *world) listMailing(n int) *core.Record {
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.clients("c", n, list.Id, nil)
	return w.mailing([]string{list.Id}, nil)
}

// window adds a schedule as the API would leave it (next run = start).
func (w *world) window(mailing *core.Record, start, end time.Time, period string) *core.Record {
	return w.save("schedules", map[string]any{
		"mailing": mailing.Id, "starts_at": start, "ends_at": end, "period": period, "next_run_at": start,
	})
}

func (w *world) pass(opts dispatch.Options) (dispatch.Summary, error) {
	w.t.Helper()
	if opts.Now == nil {
		now := w.now
		opts.Now = func() time.Time { return now }
	}
	if opts.RetryDelays == nil {
		opts.RetryDelays = []time.Duration{0} // twice in the pass at once, then by the next pass
	}
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	return dispatch.Run(context.Background(), w.app, opts)
}

func (w *world) mustPass(opts dispatch.Options) dispatch.Summary {
	w.t.Helper()
	s, err := w.pass(opts)
	if err != nil {
		w.t.Fatalf("pass: %v (%s)", err, s)
	}
	return s
}

// serverDown points the settings' SMTP server at a port on loopback that
// nobody listens on, and returns it.
func (w *world) serverDown() int {
	w.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := w.app.Settings()
	s.SMTP.Port = port
	if err := w.app.Save(s); err != nil {
		w.t.Fatal(err)
	}
	return port
}

func (w *world) reload(r *core.Record) *core.Record {
	w.t.Helper()
	fresh, err := w.app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		w.t.Fatal(err)
	}
	return fresh
}

func (w *world) deliveries(mailing *core.Record) []*core.Record {
	w.t.Helper()
	ds, err := w.app.FindRecordsByFilter("deliveries", "mailing = {:m}", "email", 0, 0, map[string]any{"m": mailing.Id})
	if err != nil {
		w.t.Fatal(err)
	}
	return ds
}

// recipients lists the envelope recipients the server accepted, sorted.
func (w *world) recipients() []string {
	var out []string
	for _, m := range w.smtp.Messages() {
		out = append(out, m.To...)
	}
	slices.Sort(out)
	return out
}

func emails(rs []*core.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetString("email"))
	}
	slices.Sort(out)
	return out
}

func TestAMailingGoesToEachRecipientOnceWithItsOwnMessage(t *testing.T) {
	w := newWorld(t)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "Customers"})
	inList := w.clients("list", 4, list.Id, nil)
	w.clients("gone", 1, list.Id, map[string]any{"unsubscribed": true})
	picked := w.clients("picked", 1, "", nil)
	m := w.mailing([]string{list.Id}, []string{picked[0].Id, inList[0].Id}) // inList[0] twice: once it is
	sched := w.window(m, w.now.Add(-time.Minute), w.now.Add(10*24*time.Hour), "daily")

	s := w.mustPass(dispatch.Options{})
	if s.Runs != 1 || s.Sent != 5 || s.Failed != 0 || s.Pending != 0 {
		t.Fatalf("summary: %s", s)
	}
	want := emails(append(inList, picked...))
	if got := w.recipients(); !slices.Equal(got, want) {
		t.Fatalf("the server got mail for %v, want each of %v once", got, want)
	}
	secret, err := mailout.UnsubscribeSecret(w.app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range w.smtp.Messages() {
		if len(msg.To) != 1 {
			t.Fatalf("envelope from %s to %v: want one recipient per message", msg.From, msg.To)
		}
		// the envelope sender is a VERP address naming the recipient's own delivery
		id, ok := mailout.CheckVERPToken(secret, bounce.TokenOf(msg.From))
		if !ok || !strings.HasSuffix(msg.From, "@postrider.localhost") {
			t.Fatalf("envelope from %q: want b-{signed token}@postrider.localhost", msg.From)
		}
		if d, err := w.app.FindRecordById("deliveries", id); err != nil || d.GetString("email") != msg.To[0] {
			t.Fatalf("envelope from %q names delivery %q (%v), not the one to %s", msg.From, id, err, msg.To[0])
		}
		mail := smtptest.ReadMail(t, msg.Data)
		if to := mail.Header.Get("To"); to != "<"+msg.To[0]+">" {
			t.Errorf("the To header %q is not the recipient's own %q", to, msg.To[0])
		}
		if mail.Subject != "Spring news" || !strings.Contains(mail.Parts["text/html"], "<h1>Hello</h1>") ||
			!strings.Contains(mail.Parts["text/plain"], "Spring is here.") {
			t.Errorf("content: subject %q, parts %v", mail.Subject, mail.Parts)
		}
	}

	ds := w.deliveries(m)
	if got := emails(ds); !slices.Equal(got, want) {
		t.Fatalf("deliveries for %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for _, msg := range w.smtp.Messages() {
		ids[smtptest.ReadMail(t, msg.Data).Header.Get("Message-ID")] = true
	}
	for _, d := range ds {
		if d.GetString("status") != "sent" || !strings.HasPrefix(d.GetString("response"), "250") ||
			d.GetDateTime("sent_at").IsZero() || d.GetInt("attempts") != 1 || !ids[d.GetString("message_id")] {
			t.Errorf("delivery %s: status %s, response %q, sent_at %v, attempts %d, message_id %s",
				d.GetString("email"), d.GetString("status"), d.GetString("response"), d.GetDateTime("sent_at"), d.GetInt("attempts"), d.GetString("message_id"))
		}
	}
	runs, _ := w.app.FindAllRecords("runs")
	if len(runs) != 1 || runs[0].GetString("status") != "done" || runs[0].GetInt("total") != 5 ||
		runs[0].GetInt("sent") != 5 || runs[0].GetInt("failed") != 0 || runs[0].GetDateTime("finished_at").IsZero() {
		t.Fatalf("run: %v", runs)
	}
	if got := w.reload(m).GetString("status"); got != "running" {
		t.Errorf("mailing status %q, want running", got)
	}
	sched = w.reload(sched)
	if got, want := sched.GetDateTime("next_run_at").Time(), w.now.Add(-time.Minute).Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("next_run_at %v, want %v", got, want)
	}
	if got := sched.GetDateTime("last_run_at").Time(); !got.Equal(w.now.Add(-time.Minute)) {
		t.Errorf("last_run_at %v", got)
	}

	// the same pass again finds nothing to do
	if s := w.mustPass(dispatch.Options{}); s.Runs != 0 || s.Sent != 0 {
		t.Fatalf("second pass: %s", s)
	}
	if n := len(w.smtp.Messages()); n != 5 {
		t.Fatalf("the server got %d messages after two passes, want 5", n)
	}
}

func TestNothingGoesOutForStoppedCompletedOrBlocked(t *testing.T) {
	cases := map[string]func(w *world, m *core.Record){
		"stopped mailing": func(w *world, m *core.Record) { m.Set("stopped", true); w.app.Save(m) },
		"completed mailing": func(w *world, m *core.Record) {
			m.Set("status", "completed")
			w.app.Save(m)
		},
		"blocked owner": func(w *world, m *core.Record) { w.user.Set("blocked", true); w.app.Save(w.user) },
		"every client unsubscribed": func(w *world, m *core.Record) {
			cs, _ := w.app.FindAllRecords("clients")
			for _, c := range cs {
				c.Set("unsubscribed", true)
				w.app.Save(c)
			}
		},
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
			w.clients("c", 3, list.Id, nil)
			m := w.mailing([]string{list.Id}, nil)
			w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "once")
			spoil(w, w.reload(m))
			s := w.mustPass(dispatch.Options{})
			if s.Sent != 0 || len(w.smtp.Messages()) != 0 {
				t.Fatalf("sent %d (server got %d): %s", s.Sent, len(w.smtp.Messages()), s)
			}
		})
	}
}

func TestRefusedRecipientsFailWithTheServersReply(t *testing.T) {
	w := newWorld(t)
	w.smtp.OnRcpt = func(to string) error {
		if strings.HasPrefix(to, "bad") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
		}
		return nil
	}
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	w.clients("good", 8, list.Id, nil)
	w.clients("bad", 2, list.Id, nil)
	m := w.mailing([]string{list.Id}, nil)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	s := w.mustPass(dispatch.Options{})
	if s.Sent != 8 || s.Failed != 2 {
		t.Fatalf("summary %s", s)
	}
	for _, d := range w.deliveries(m) {
		bad := strings.HasPrefix(d.GetString("email"), "bad")
		if bad && (d.GetString("status") != "failed" || !strings.Contains(d.GetString("response"), "550") ||
			!strings.Contains(d.GetString("response"), "No such user here") || d.GetInt("attempts") != 1) {
			t.Errorf("%s: %s %q attempts %d", d.GetString("email"), d.GetString("status"), d.GetString("response"), d.GetInt("attempts"))
		}
		if !bad && d.GetString("status") != "sent" {
			t.Errorf("%s: %s %q", d.GetString("email"), d.GetString("status"), d.GetString("response"))
		}
	}
	run, _ := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if run.GetString("status") != "done" || run.GetInt("sent") != 8 || run.GetInt("failed") != 2 {
		t.Fatalf("run %s sent %d failed %d", run.GetString("status"), run.GetInt("sent"), run.GetInt("failed"))
	}
}

func TestATemporaryRefusalIsRetriedAndSentOnce(t *testing.T) {
	w := newWorld(t)
	var refused atomic.Int32
	w.smtp.OnRcpt = func(to string) error {
		if to == "c0@example.org" && refused.Add(1) == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again"}
		}
		return nil
	}
	m := w.listMailing(3)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if s := w.mustPass(dispatch.Options{}); s.Sent != 3 || s.Failed != 0 || s.Pending != 0 {
		t.Fatalf("summary %s", s)
	}
	if got := w.recipients(); !slices.Equal(got, []string{"c0@example.org", "c1@example.org", "c2@example.org"}) {
		t.Fatalf("server got %v", got)
	}
	for _, d := range w.deliveries(m) {
		want := 1
		if d.GetString("email") == "c0@example.org" {
			want = 2
		}
		if d.GetString("status") != "sent" || d.GetInt("attempts") != want {
			t.Errorf("%s: %s after %d attempts, want sent after %d", d.GetString("email"), d.GetString("status"), d.GetInt("attempts"), want)
		}
	}
}

// A connection that drops after the whole message went out leaves its fate
// unknown (the server may have kept it): it is not sent again in the same
// pass, and once more on the next.
func TestAConnectionDroppedAfterTheMessageWaitsForTheNextPass(t *testing.T) {
	w := newWorld(t)
	var dropped atomic.Bool
	w.smtp.OnData = func(m smtptest.Message) error {
		if m.To[0] == "c1@example.org" && dropped.CompareAndSwap(false, true) {
			return smtptest.ErrDrop
		}
		return nil
	}
	m := w.listMailing(4)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if s := w.mustPass(dispatch.Options{}); s.Sent != 3 || s.Pending != 1 {
		t.Fatalf("first pass: %s; want 3 sent and c1 pending", s)
	}
	d := w.deliveries(m)[1]
	if d.GetString("email") != "c1@example.org" || d.GetString("status") != "pending" || !d.GetBool("unconfirmed") ||
		!strings.Contains(d.GetString("response"), "no reply") || !strings.Contains(d.GetString("response"), "may have arrived") {
		t.Fatalf("after the drop: %s %s unconfirmed=%v %q", d.GetString("email"), d.GetString("status"), d.GetBool("unconfirmed"), d.GetString("response"))
	}
	if s := w.mustPass(dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("next pass: %s", s)
	}
	if got := w.recipients(); len(got) != 4 {
		t.Fatalf("server kept %v", got)
	}
	if d = w.reload(d); d.GetString("status") != "sent" || d.GetInt("attempts") != 2 {
		t.Fatalf("then: %s after %d attempts", d.GetString("status"), d.GetInt("attempts"))
	}
}

// A server that keeps the message and answers after the data timeout: the
// message is not sent again in that pass, once more in the next, and then
// never again; a patient client (the default 10 minutes) gets the reply.
func TestASlowReplyAfterTheMessageIsNeverAnsweredWithManyCopies(t *testing.T) {
	w := newWorld(t)
	w.smtp.SetFaults(smtptest.Faults{ReplyAfter: 600 * time.Millisecond})
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	impatient := dispatch.Options{DataTimeout: 150 * time.Millisecond}
	if s := w.mustPass(impatient); s.Sent != 0 || s.Pending != 2 {
		t.Fatalf("first pass: %s", s)
	}
	if s := w.mustPass(impatient); s.Sent != 0 || s.Failed != 2 || s.Pending != 0 {
		t.Fatalf("second pass: %s", s)
	}
	if s := w.mustPass(impatient); s.Sent+s.Failed != 0 {
		t.Fatalf("third pass: %s", s)
	}
	for addr, n := range w.smtp.PerRecipient() {
		if n != 2 {
			t.Errorf("%s got %d copies, want 2 (one per timeout)", addr, n)
		}
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("status") != "failed" || d.GetInt("attempts") != 2 || !strings.Contains(d.GetString("response"), "may have arrived") {
			t.Errorf("%s: %s after %d attempts: %q", d.GetString("email"), d.GetString("status"), d.GetInt("attempts"), d.GetString("response"))
		}
	}

	w2 := newWorld(t)
	w2.smtp.SetFaults(smtptest.Faults{ReplyAfter: 600 * time.Millisecond})
	m2 := w2.listMailing(2)
	w2.window(m2, w2.now, w2.now.Add(time.Hour), "once")
	if s := w2.mustPass(dispatch.Options{}); s.Sent != 2 {
		t.Fatalf("with the default data timeout: %s", s)
	}
	if got := w2.recipients(); len(got) != 2 {
		t.Fatalf("server kept %v", got)
	}
}

// Temporary failures never pause a run nor stop its mailing, however many.
func TestTemporaryFailuresNeverStopAMailing(t *testing.T) {
	w := newWorld(t)
	w.smtp.OnRcpt = func(string) error {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Try again later"}
	}
	m := w.listMailing(30)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if s := w.mustPass(dispatch.Options{}); s.Sent+s.Failed != 0 || s.Pending != 30 {
		t.Fatalf("while the server refuses for now: %s", s)
	}
	run, _ := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if run.GetString("status") != "sending" || w.reload(m).GetBool("stopped") || !strings.Contains(run.GetString("note"), "Try again later") {
		t.Fatalf("run %s (%q), mailing stopped %v", run.GetString("status"), run.GetString("note"), w.reload(m).GetBool("stopped"))
	}
	w.smtp.OnRcpt = nil
	if s := w.mustPass(dispatch.Options{}); s.Sent != 30 {
		t.Fatalf("when the server takes mail again: %s", s)
	}
}

// A message waiting for its back-off holds no connection: the others go
// out meanwhile.
func TestABackOffDoesNotHoldTheConnection(t *testing.T) {
	w := newWorld(t)
	var greylisted atomic.Value // the first recipient tried
	w.smtp.OnRcpt = func(to string) error {
		if greylisted.CompareAndSwap(nil, to) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted"}
		}
		return nil
	}
	m := w.listMailing(5)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if s := w.mustPass(dispatch.Options{Workers: 1, RetryDelays: []time.Duration{200 * time.Millisecond}}); s.Sent != 5 {
		t.Fatalf("summary %s", s)
	}
	var order []string
	for _, msg := range w.smtp.Messages() {
		order = append(order, msg.To[0])
	}
	if len(order) != 5 || order[4] != greylisted.Load() {
		t.Fatalf("arrival order %v: %v, greylisted first, should come last, after the one connection went on with the others",
			order, greylisted.Load())
	}
}

// A mailing whose last window ends after its last run is completed by the
// next pass, though that pass sends nothing.
func TestAMailingCompletesWhenItsLastWindowEndsLater(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(1)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
	if st := w.reload(m).GetString("status"); st != "running" {
		t.Fatalf("after its run: %s, want running (the window is open)", st)
	}
	later := w.now.Add(2 * time.Hour)
	if s := w.mustPass(dispatch.Options{Now: func() time.Time { return later }}); s.Sent+s.Runs != 0 {
		t.Fatalf("the later pass did something: %s", s)
	}
	if st := w.reload(m).GetString("status"); st != "completed" {
		t.Fatalf("after its window ended: %s, want completed", st)
	}
}

// Outcomes that cannot be recorded stop the pass, which says so (not that
// the mail server cannot be reached); at most the one message each
// connection had in flight went out, and it is tried again later.
func TestAnOutcomeThatCannotBeRecordedStopsThePassSayingSo(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(50)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	_, err := w.app.NonconcurrentDB().NewQuery(`CREATE TRIGGER refuse_outcomes BEFORE UPDATE OF status ON deliveries
		BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`).Execute()
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.pass(dispatch.Options{Workers: 3})
	if err == nil || !strings.Contains(err.Error(), "recording deliveries") || !strings.Contains(err.Error(), "disk I/O error") ||
		strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("want an error about recording, got %v (%s)", err, s)
	}
	if n := len(w.smtp.Messages()); n > 3 {
		t.Fatalf("%d messages went out, want at most one per connection (3)", n)
	}
	if _, err := w.app.NonconcurrentDB().NewQuery(`DROP TRIGGER refuse_outcomes`).Execute(); err != nil {
		t.Fatal(err)
	}
	w.mustPass(dispatch.Options{})
	if got := len(w.smtp.PerRecipient()); got != 50 {
		t.Fatalf("%d recipients got the message, want 50", got)
	}
}

// A database that cannot grow (a full disk) stops the pass before anything
// goes to the mail server, and says so; nothing is lost.
func TestADatabaseThatCannotBeWrittenSendsNothing(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(5)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	// claim the run while the database can grow, with the server down
	w.smtp.SetFaults(smtptest.Faults{Refuse421Until: time.Now().Add(time.Hour)})
	if s := w.mustPass(dispatch.Options{}); s.Runs != 1 || s.Pending != 5 {
		t.Fatalf("claim: %s", s)
	}
	w.smtp.SetFaults(smtptest.Faults{})

	db := w.app.NonconcurrentDB() // one connection: the pragma holds for every write
	var pages int
	if err := db.NewQuery("PRAGMA page_count").Row(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewQuery(fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Execute(); err != nil {
		t.Fatal(err)
	}
	// and the free pages inside it taken
	if _, err := db.NewQuery("CREATE TABLE filler (b BLOB)").Execute(); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := db.NewQuery("INSERT INTO filler VALUES (zeroblob(1000))").Execute()
		if err != nil && strings.Contains(err.Error(), "full") {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		s, err := w.pass(dispatch.Options{})
		if err == nil || !strings.Contains(err.Error(), "database cannot be written") || strings.Contains(err.Error(), "cannot reach") {
			t.Fatalf("with a full database: %v (%s)", err, s)
		}
	}
	if n := len(w.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages went out while nothing could be recorded", n)
	}
	if _, err := db.NewQuery("PRAGMA max_page_count = 1073741823").Execute(); err != nil {
		t.Fatal(err)
	}
	if s := w.mustPass(dispatch.Options{}); s.Sent != 5 {
		t.Fatalf("with room again: %s", s)
	}
	if got := w.recipients(); len(got) != 5 {
		t.Fatalf("server got %v", got)
	}
}

func TestAServerThatIsDownLeavesTheRunPendingUntilItIsBack(t *testing.T) {
	w := newWorld(t)
	w.serverDown()

	m := w.listMailing(3)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	sum, err := w.pass(dispatch.Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("want an error saying the server cannot be reached, got %v (%s)", err, sum)
	}
	for _, d := range w.deliveries(m) {
		if d.GetString("status") != "pending" {
			t.Fatalf("%s is %s while the server was down", d.GetString("email"), d.GetString("status"))
		}
	}
	s := w.app.Settings()
	s.SMTP.Port = w.smtp.Port
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}
	if sum := w.mustPass(dispatch.Options{}); sum.Sent != 3 || sum.Runs != 0 {
		t.Fatalf("when the server is back: %s", sum)
	}
	if got := w.recipients(); len(got) != 3 {
		t.Fatalf("server got %v", got)
	}
}

func TestARunThatFailsForMostRecipientsPausesItsMailing(t *testing.T) {
	w := newWorld(t)
	w.smtp.OnRcpt = func(string) error {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	}
	m := w.listMailing(60)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	s := w.mustPass(dispatch.Options{})
	if s.Failed >= 60 || s.Failed < 20 {
		t.Fatalf("it should stop soon after the threshold: %s", s)
	}
	run, _ := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if run.GetString("status") != "paused" || !strings.Contains(run.GetString("note"), "Relay access denied") {
		t.Fatalf("run %s: %q", run.GetString("status"), run.GetString("note"))
	}
	if !w.reload(m).GetBool("stopped") {
		t.Fatal("the mailing was not stopped")
	}
	if by := w.reload(m).GetString("stopped_by"); by != "" {
		t.Fatalf("the dispatcher's pause names %q as who stopped it: the owner must be able to resume it", by)
	}
	// nothing more goes out until the owner resumes it
	before := s.Failed
	if s := w.mustPass(dispatch.Options{}); s.Failed+s.Sent != 0 {
		t.Fatalf("a paused mailing sent again: %s (after %d)", s, before)
	}
	// resumed with a fixed server: the rest goes out
	w.smtp.OnRcpt = nil
	fresh := w.reload(m)
	fresh.Set("stopped", false)
	w.app.Save(fresh)
	if s := w.mustPass(dispatch.Options{}); s.Sent != 60-before {
		t.Fatalf("after resuming: %s, want %d sent", s, 60-before)
	}
	if run = w.reload(run); run.GetString("status") != "done" {
		t.Fatalf("run %s", run.GetString("status"))
	}
}

func TestSeveralWindowsSendInEachAndTheStatusFollows(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(2)
	day := 24 * time.Hour
	w.window(m, w.now.Add(day), w.now.Add(day+time.Hour), "once")
	w.window(m, w.now.Add(3*day), w.now.Add(5*day), "daily")

	at := func(d time.Duration) dispatch.Summary {
		return w.mustPass(dispatch.Options{Now: func() time.Time { return w.now.Add(d) }})
	}
	status := func() string { return w.reload(m).GetString("status") }

	if s := at(0); s.Sent != 0 || status() != "created" {
		t.Fatalf("before any window: %s, %s", s, status())
	}
	if s := at(day + time.Minute); s.Sent != 2 || status() != "running" {
		t.Fatalf("in the first window: %s, %s", s, status())
	}
	if s := at(2 * day); s.Sent != 0 || status() != "running" {
		t.Fatalf("between windows: %s, %s", s, status())
	}
	if s := at(3 * day); s.Sent != 2 {
		t.Fatalf("second window, day 1: %s", s)
	}
	if s := at(4*day + time.Hour); s.Sent != 2 {
		t.Fatalf("second window, day 2: %s", s)
	}
	if s := at(5*day + time.Minute); s.Sent != 0 || status() != "completed" {
		t.Fatalf("after the last window: %s, %s", s, status())
	}
	if n := len(w.smtp.Messages()); n != 6 {
		t.Fatalf("the server got %d messages, want 6", n)
	}
}

func TestMissedOccurrencesAreSentOnceNotInABurst(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(1)
	start := w.now.Add(-3*24*time.Hour - time.Hour) // three daily occurrences were missed
	sched := w.window(m, start, w.now.Add(30*24*time.Hour), "daily")

	if s := w.mustPass(dispatch.Options{}); s.Runs != 1 || s.Sent != 1 {
		t.Fatalf("summary %s", s)
	}
	run, _ := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if got := run.GetDateTime("run_at").Time(); !got.Equal(start.Add(3 * 24 * time.Hour)) {
		t.Fatalf("run_at %v, want the latest occurrence %v", got, start.Add(3*24*time.Hour))
	}
	if got := w.reload(sched).GetDateTime("next_run_at").Time(); !got.Equal(start.Add(4 * 24 * time.Hour)) {
		t.Fatalf("next_run_at %v", got)
	}
}

func TestAWindowThatEndedUnsentIsClosedAndTheMailingCompletes(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(1)
	sched := w.window(m, w.now.Add(-2*time.Hour), w.now.Add(-time.Hour), "once")

	if s := w.mustPass(dispatch.Options{}); s.Sent != 0 || s.Skipped != 1 {
		t.Fatalf("summary %s", s)
	}
	if !w.reload(sched).GetDateTime("next_run_at").IsZero() || w.reload(m).GetString("status") != "completed" {
		t.Fatalf("window next %v, mailing %s", w.reload(sched).GetDateTime("next_run_at"), w.reload(m).GetString("status"))
	}
}

func TestWithoutSMTPMailGoesToTheOutbox(t *testing.T) {
	w := newWorld(t)
	s := w.app.Settings()
	s.SMTP.Enabled = false
	w.app.Save(s)
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if sum := w.mustPass(dispatch.Options{}); sum.Sent != 2 {
		t.Fatalf("summary %s", sum)
	}
	for _, d := range w.deliveries(m) {
		if !strings.Contains(d.GetString("response"), "outbox") {
			t.Errorf("%s: %q", d.GetString("email"), d.GetString("response"))
		}
	}
	files, _ := filepath.Glob(w.app.DataDir() + "/outbox/*.eml")
	if len(files) != 2 {
		t.Fatalf("%d files in the outbox", len(files))
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(3)
	sched := w.window(m, w.now, w.now.Add(time.Hour), "once")
	s := w.mustPass(dispatch.Options{DryRun: true})
	if len(s.Due) != 1 || s.Due[0].Recipients != 3 || s.Due[0].Mailing != m.Id || s.Sent != 0 {
		t.Fatalf("dry run: %+v", s)
	}
	if len(w.smtp.Messages()) != 0 || !w.reload(sched).GetDateTime("next_run_at").Time().Equal(w.now) {
		t.Fatal("the dry run changed something")
	}
	if runs, _ := w.app.FindAllRecords("runs"); len(runs) != 0 {
		t.Fatalf("the dry run claimed %d runs", len(runs))
	}
}

// POSTRIDER_DISPATCH_RATE spaces the messages over all connections: the
// server sees them arrive no faster than the rate.
func TestTheRateLimitSpacesMessages(t *testing.T) {
	w := newWorld(t)
	var arrivals []time.Time
	var mu sync.Mutex
	w.smtp.OnData = func(smtptest.Message) error {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		return nil
	}
	m := w.listMailing(20)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	if s := w.mustPass(dispatch.Options{Rate: 20, Workers: 4}); s.Sent != 20 {
		t.Fatalf("summary %s", s)
	}
	// twenty turns at 20 a second span nineteen intervals of 50 ms; a
	// worker takes its turn before it opens its connection, so the first
	// arrivals may lag their turns by a dial: two intervals are allowed for it
	if span := arrivals[len(arrivals)-1].Sub(arrivals[0]); span < 17*50*time.Millisecond {
		t.Fatalf("20 messages arrived within %v: faster than 20 a second", span)
	}
}
