package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"postrider/internal/smtptest"
)

var confirmLink = regexp.MustCompile(`(https?://[^\s"<>()]+/confirm\?token=[\w.\-]+)`)

// LinkIn finds the confirmation link in a mail's plain-text part.
func LinkIn(t *testing.T, raw []byte) string {
	t.Helper()
	m := smtptest.ReadMail(t, raw)
	link := confirmLink.FindString(m.Parts["text/plain"])
	if link == "" {
		t.Fatalf("no confirmation link in the mail %q:\n%s", m.Subject, m.Parts["text/plain"])
	}
	return link
}

// WaitForOutbox waits (30 s at most) for the first .eml in the outbox dir
// and returns its bytes.
func WaitForOutbox(t *testing.T, dir string) []byte {
	t.Helper()
	var raw []byte
	Eventually(t, 30*time.Second, func() error {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) == 0 {
			return fmt.Errorf("no mail in %s", dir)
		}
		var err error
		raw, err = os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return nil
	})
	return raw
}

// SuperuserToken makes a superuser with the binary and logs it in.
func SuperuserToken(t *testing.T, in *Instance) string {
	t.Helper()
	out, err := Run(t, nil, "superuser", "upsert", "root@example.com", "a long password", "--dir", in.DataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	var auth struct{ Token string }
	in.Call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": "root@example.com", "password": "a long password"}, &auth)
	if auth.Token == "" {
		t.Fatal("the superuser cannot log in")
	}
	return auth.Token
}

// ConfirmedUser signs an account up through the API, confirms it with the
// token of its own mail (in the outbox, or at in.SMTP), and returns its
// auth token. Its password is "a long password".
func ConfirmedUser(t *testing.T, in *Instance, email string) string {
	t.Helper()
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": email, "password": "a long password", "passwordConfirm": "a long password", "name": strings.Split(email, "@")[0],
	})
	var mail []byte
	Eventually(t, 30*time.Second, func() error {
		var mails [][]byte
		files, _ := filepath.Glob(filepath.Join(in.DataDir, "outbox", "*.eml"))
		for _, f := range files {
			if raw, err := os.ReadFile(f); err == nil {
				mails = append(mails, raw)
			}
		}
		if in.SMTP != nil {
			for _, m := range in.SMTP.Messages() {
				mails = append(mails, m.Data)
			}
		}
		for _, raw := range mails {
			if strings.Contains(string(raw), email) {
				mail = raw
				return nil
			}
		}
		return errors.New("no confirmation mail for " + email)
	})
	link := LinkIn(t, mail)
	in.Must(204, "POST", "/api/collections/users/confirm-verification", "",
		map[string]any{"token": link[strings.Index(link, "token=")+len("token="):]})
	var auth struct{ Token string }
	in.Call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": email, "password": "a long password"}, &auth)
	return auth.Token
}

// UserID is the id of the account that token logs in.
func UserID(t *testing.T, in *Instance, token string) string {
	t.Helper()
	var me struct{ Items []struct{ ID string } }
	in.Call("GET", "/api/collections/users/records", token, nil, &me)
	if len(me.Items) != 1 {
		t.Fatalf("the account's own record: %+v", me)
	}
	return me.Items[0].ID
}
