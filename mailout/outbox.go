package mailout

import (
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/security"
)

// OutboxDir is where mail goes, under the data dir, when no SMTP server is configured.
func OutboxDir(dataDir string) string { return filepath.Join(dataDir, "outbox") }

// WriteEML stores one message in dir as a new .eml file and returns its path.
// The file appears whole or not at all (written aside, then renamed).
func WriteEML(dir string, raw []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := time.Now().UTC().Format("20060102-150405.000000") + "-" + security.PseudorandomString(8) + ".eml"
	tmp, err := os.CreateTemp(dir, ".writing-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return path, nil
}

// Outbox is a mailer.Mailer that writes each message to Dir instead of
// sending it, and logs the file's name, so that no mail is lost when no
// SMTP server is configured.
type Outbox struct {
	Dir    string
	Logger *slog.Logger
	// Console, when set, gets a line naming each file: outside dev mode the
	// log goes to the database only, and a local try needs the file's name
	Console io.Writer
	// DKIM, when set, signs each message as a relay would receive it
	DKIM *DKIM
}

var _ mailer.Mailer = (*Outbox)(nil)

// Send implements mailer.Mailer.
func (o *Outbox) Send(m *mailer.Message) error {
	raw, err := Build(m)
	if err != nil {
		return err
	}
	if o.DKIM != nil {
		if raw, err = o.DKIM.Sign(raw); err != nil {
			return err
		}
	}
	path, err := WriteEML(o.Dir, raw)
	if err != nil {
		return fmt.Errorf("mailout: writing to the outbox: %w", err)
	}
	if o.Logger != nil {
		o.Logger.Info("No SMTP server configured: mail written to the outbox",
			slog.String("file", path),
			slog.String("to", addressList(m.To)),
			slog.String("subject", m.Subject),
		)
	}
	if o.Console != nil {
		fmt.Fprintf(o.Console, "Mail to %s written to %s\n", addressList(m.To), path)
	}
	return nil
}

func addressList(list []mail.Address) string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.String())
	}
	return strings.Join(out, ", ")
}
