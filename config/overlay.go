package config

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// The variables are laid over the settings in memory, each time PocketBase
// loads them (at start, after every save, when another process changed
// them), and are never written to the database: a password given by the
// environment is gone with the variable, and the dashboard's own values
// come back. A save of the settings (the dashboard's, or any app.Save)
// writes, for every field a variable holds, the stored value instead, unless
// the save changed the field to something else.

// overlay is what Layer laid over one app's settings.
type overlay struct {
	cfg Config

	mu     sync.Mutex
	stored []any // the fields' values as loaded from the database
	laid   []any // the same fields as laid over them
}

// fields are the settings the variables can set, in a fixed order.
func fields(s *core.Settings) []any {
	return []any{
		&s.Meta.AppURL, &s.Meta.SenderAddress, &s.Meta.SenderName,
		&s.SMTP.Enabled, &s.SMTP.Host, &s.SMTP.Port, &s.SMTP.Username, &s.SMTP.Password, &s.SMTP.TLS, &s.SMTP.LocalName,
	}
}

func values(s *core.Settings) []any {
	out := fields(s)
	for i, f := range out {
		switch f := f.(type) {
		case *string:
			out[i] = *f
		case *int:
			out[i] = *f
		case *bool:
			out[i] = *f
		}
	}
	return out
}

// Layer lays the variables that are set over app's settings, now if app is
// bootstrapped and each time its settings are loaded, and keeps them out of
// every save of the settings.
func (c Config) Layer(app core.App) {
	o := &overlay{cfg: c}
	app.OnSettingsReload().BindFunc(func(e *core.SettingsReloadEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		o.layOver(e.App.Settings())
		return nil
	})
	keepOut := func(e *core.ModelEvent) error {
		s, ok := e.Model.(*core.Settings)
		if !ok {
			return e.Next()
		}
		clean, err := o.storedOf(s)
		if err != nil {
			return err
		}
		e.Model = clean
		err = e.Next()
		e.Model = s
		if err == nil {
			s.MarkAsNotNew()
		}
		return err
	}
	app.OnModelCreateExecute().BindFunc(keepOut)
	app.OnModelUpdateExecute().BindFunc(keepOut)
	if app.IsBootstrapped() {
		o.layOver(app.Settings())
	}
}

// layOver lays the variables over s, just loaded from the database.
func (o *overlay) layOver(s *core.Settings) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stored = values(s)
	c := o.cfg
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&s.Meta.AppURL, c.AppURL)
	set(&s.Meta.SenderAddress, c.SenderAddress)
	if c.SenderAddress == "" && (s.Meta.SenderAddress == pocketBaseSender || s.Meta.SenderAddress == localSender) {
		s.Meta.SenderAddress = DefaultSender(s.Meta.AppURL)
	}
	set(&s.Meta.SenderName, c.SenderName)
	set(&s.SMTP.Host, c.SMTPHost)
	set(&s.SMTP.Username, c.SMTPUsername)
	set(&s.SMTP.Password, c.SMTPPassword)
	set(&s.SMTP.LocalName, c.HELO)
	if c.SMTPHost != "" {
		s.SMTP.Enabled = true
	}
	if c.SMTPPort != 0 {
		s.SMTP.Port = c.SMTPPort
	} else if s.SMTP.Enabled && s.SMTP.Port == 0 {
		s.SMTP.Port = 25
	}
	if c.SMTPTLS != "" {
		s.SMTP.TLS = c.SMTPTLS == "tls"
	}
	o.laid = values(s)
}

// storedOf is a copy of s to save: each field that still holds the value
// laid over it holds the stored one again.
func (o *overlay) storedOf(s *core.Settings) (*core.Settings, error) {
	clean, err := s.Clone()
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.laid == nil {
		return clean, nil // nothing laid yet: the settings as PocketBase made them
	}
	for i, f := range fields(clean) {
		switch f := f.(type) {
		case *string:
			restore(f, o.stored[i], o.laid[i])
		case *int:
			restore(f, o.stored[i], o.laid[i])
		case *bool:
			restore(f, o.stored[i], o.laid[i])
		}
	}
	return clean, nil
}

func restore[T comparable](field *T, stored, laid any) {
	if *field == laid.(T) {
		*field = stored.(T)
	}
}

// UseListenURL points the links in mail where serve listens (listenURL,
// empty when it cannot be told: a wildcard address, HTTPS) when neither
// POSTRIDER_APP_URL nor anyone chose an app URL: PocketBase's
// http://localhost:8090 is another origin than http://127.0.0.1:8090, where
// the web app's session lives. It is stored, not laid over, so that
// `postrider dispatch` run apart links to the same place.
func (c Config) UseListenURL(app core.App, listenURL string) error {
	s := app.Settings()
	if c.AppURL != "" || listenURL == "" || s.Meta.AppURL != PocketBaseAppURL {
		return nil
	}
	s.Meta.AppURL = listenURL
	return app.Save(s)
}
