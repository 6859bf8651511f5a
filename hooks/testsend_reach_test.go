package hooks_test

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// realSMTP sends the app's mail through the dispatcher's SMTP client to
// host:port, as serve does, instead of the test mailer.
func realSMTP(t *testing.T, app core.App, host string, port int) {
	t.Helper()
	s := app.Settings()
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port = true, host, port
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	app.OnMailerSend().BindFunc(func(e *core.MailerEvent) error {
		e.Mailer = dispatch.NewMailer(e.App, dispatch.Options{SMTPTLS: "starttls"})
		return e.Next()
	})
}

// A test send that cannot reach the mail server says what kind of
// failure it met, and not where the server is.
func TestATestSendSaysWhyTheServerCannotBeUsed(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	untrusted, _ := smtptest.StartPrivateCA(t, false)
	for _, c := range []struct {
		name string
		port int
		want string
	}{
		{"a server that is down", deadPort, "the mail server could not be reached."},
		{"a certificate of a private CA", untrusted.Port, "the mail server could not be reached securely: its certificate is not trusted."},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := newTestApp(t)
			defer app.Cleanup()
			realSMTP(t, app, "127.0.0.1", c.port)
			out := newAPI(t, app).expect(c.name, 500, "POST", "/api/postrider/mailings/"+aliceMailing+"/test", tokens["alice"], `{}`,
				"The test message could not be sent: "+c.want)
			if strings.Contains(out, "127.0.0.1") || strings.Contains(out, strconv.Itoa(c.port)) || strings.Contains(out, "dial tcp") {
				t.Fatalf("the answer shows the server's address: %s", out)
			}
		})
	}
}
