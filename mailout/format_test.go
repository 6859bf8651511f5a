package mailout

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/mailer"

	"postrider/internal/smtptest"
)

func TestPlaceholders(t *testing.T) {
	tmpl, err := ParseTemplate("Hello, {{name}}! {{ first_name | there }}: <{{email}}> {{comment|}}.")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f      Fields
		escape bool
		want   string
	}{
		{Fields{Name: "Anna Smith", FirstName: "Anna", Email: "a@x.org", Comment: "VIP"}, false, "Hello, Anna Smith! Anna: <a@x.org> VIP."},
		{Fields{Name: "Анна", FirstName: "Анна", Email: "a@x.org"}, false, "Hello, Анна! Анна: <a@x.org>."},
		{Fields{Email: "a@x.org"}, false, "Hello! there: <a@x.org>."},
		{Fields{Name: "<b>&", FirstName: "x", Email: "a@x.org"}, true, "Hello, &lt;b&gt;&amp;! x: <a@x.org>."},
	} {
		if got := string(tmpl.AppendTo(nil, &c.f, c.escape)); got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c.f, got, c.want)
		}
	}
	for _, bad := range []string{"{{nmae}}", "{{name", "{{.Name}}", "{{name|<b>}}", "{{}}"} {
		if _, err := ParseTemplate(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestQuotedPrintableNeedsNoDotStuffingAndDecodesBack(t *testing.T) {
	src := ".start\nline with trailing space \n" + strings.Repeat("Привет, мир! ", 20) + "\n.\n" + strings.Repeat("x", 200)
	enc := AppendQP(nil, []byte(src))
	for _, line := range strings.Split(string(enc), "\r\n") {
		if len(line) > 76 || strings.HasPrefix(line, ".") {
			t.Errorf("line %q", line)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	if err != nil || strings.ReplaceAll(string(dec), "\r\n", "\n") != src {
		t.Errorf("decodes to %q (%v)", dec, err)
	}
}

func TestAddressesParseBackAsOne(t *testing.T) {
	for _, a := range []mail.Address{
		{Name: "Acme, Inc.", Address: "news@acme.example"},
		{Name: "Иван, Петров \"ИП\"", Address: "ivan@example.org"},
		{Name: strings.Repeat("Очень длинное имя, ", 10), Address: "long@example.org"},
		{Name: "Evil\r\nBcc: x@y.z", Address: "e@example.org"},
	} {
		enc := Address(a)
		if strings.ContainsAny(strings.ReplaceAll(enc, "\r\n ", ""), "\r\n") {
			t.Errorf("%q has a bare line break", enc)
		}
		list, err := mail.ParseAddressList(strings.ReplaceAll(enc, "\r\n", ""))
		if err != nil || len(list) != 1 || list[0].Name != OneLine(a.Name) || list[0].Address != a.Address {
			t.Errorf("%q reads back as %v (%v)", enc, list, err)
		}
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(Subject("a\r\nb"), "\r\n", "")); got != "a b" {
		t.Errorf("subject with a line break: %q", got)
	}
}

func TestPlainTextWrapsAndKeepsImagesAndLinksOnce(t *testing.T) {
	got := PlainText(`<p>` + strings.Repeat("word ", 40) + `</p><p><img src="x.png" alt="Our logo"> <a href="https://example.com/a">https://example.com/a</a> <a href="https://example.com/b">more</a></p>`)
	for _, line := range strings.Split(got, "\n") {
		if len([]rune(line)) > 78 {
			t.Errorf("line of %d: %q", len(line), line)
		}
	}
	if !strings.Contains(got, "Our logo") || strings.Count(got, "https://example.com/a") != 1 || !strings.Contains(got, "more (https://example.com/b)") {
		t.Errorf("plain text: %q", got)
	}
}

func TestAccountMailsSayTheyAreAutomatic(t *testing.T) {
	raw, err := Build(&mailer.Message{
		From: mail.Address{Name: "Acme, Inc.", Address: "a@acme.example"}, To: []mail.Address{{Name: "Анна, Ли", Address: "b@example.com"}},
		Subject: "Confirm", HTML: "<p>Hello, Anna,</p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	h := smtptest.ReadMail(t, raw).Header
	from, _ := h.AddressList("From")
	to, _ := h.AddressList("To")
	if h.Get("Auto-Submitted") != "auto-generated" || len(from) != 1 || from[0].Name != "Acme, Inc." || len(to) != 1 || to[0].Name != "Анна, Ли" || h.Get("Date") == "" {
		t.Errorf("headers %v: from %v to %v", h, from, to)
	}
}

func TestUnsubscribeLinksAreSignedPerClient(t *testing.T) {
	dir := t.TempDir()
	secret, err := UnsubscribeSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := UnsubscribeSecret(dir); !bytes.Equal(again, secret) {
		t.Fatal("the secret changed between two reads")
	}
	signer := NewLinkSigner("https://mail.example.com/", secret)
	for _, id := range []string{"client000000001", "client000000002"} {
		token := UnsubscribeToken(secret, id, "mailing00000001")
		if url := signer.URL(id, "mailing00000001"); url != "https://mail.example.com/unsubscribe/"+token {
			t.Errorf("the signer's link %q, the token %q", url, token)
		}
		if got, mailing, ok := CheckUnsubscribeToken(secret, token); !ok || got != id || mailing != "mailing00000001" {
			t.Errorf("token %q checks as %q %q %v", token, got, mailing, ok)
		}
		// a link sent before links named the mailing still works
		if got, mailing, ok := CheckUnsubscribeToken(secret, UnsubscribeToken(secret, id, "")); !ok || got != id || mailing != "" {
			t.Errorf("the older token of %s checks as %q %q %v", id, got, mailing, ok)
		}
	}
	_, mac, _ := strings.Cut(UnsubscribeToken(secret, "client000000001", ""), ".")
	withMailing := UnsubscribeToken(secret, "client000000001", "mailing00000001")
	newMAC := withMailing[strings.LastIndex(withMailing, ".")+1:]
	for _, bad := range []string{"client000000002." + mac, "client000000001.", "client000000001", UnsubscribeToken(make([]byte, 32), "client000000001", ""),
		"client000000001.mailing00000002." + newMAC, "client000000002.mailing00000001." + newMAC, "client000000001.mailing00000001." + mac,
		"client000000001." + newMAC, ".mailing00000001." + newMAC, "client000000001..", withMailing + "." + newMAC} {
		if _, _, ok := CheckUnsubscribeToken(secret, bad); ok {
			t.Errorf("%q was accepted", bad)
		}
	}
}
