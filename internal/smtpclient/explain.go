package smtpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// connectError is a failure to open a session: no message was begun.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// tlsError is a failure to secure the connection: a handshake that failed
// (a certificate not trusted, say) or STARTTLS not offered when required.
type tlsError struct{ err error }

func (e *tlsError) Error() string { return e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

// authError is a failure to log in to the server.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// Explain says, for the people who use the service (a run's note, a test
// send's answer), what kind of failure err is: the server's reply when it
// refused a message, else why no session could be opened, never the
// server's address (the operator's business, in the server's log with the
// whole error).
func Explain(err error) string {
	var (
		connect   *connectError
		unknownCA x509.UnknownAuthorityError
		badName   x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		tlsErr    *tlsError
		authErr   *authError
		reply     *ReplyError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &reply) && !errors.As(err, &connect):
		return "the mail server refused it: " + reply.Error()
	case errors.As(err, &unknownCA), errors.As(err, &verify) && !errors.As(err, &badName) && !errors.As(err, &invalid):
		return "the mail server could not be reached securely: its certificate is not trusted"
	case errors.As(err, &badName):
		return "the mail server could not be reached securely: its certificate is for another name"
	case errors.As(err, &invalid):
		return "the mail server could not be reached securely: its certificate is not valid (expired, or not valid yet)"
	case errors.As(err, &tlsErr):
		return "the mail server could not be reached securely"
	case errors.As(err, &authErr):
		return "the mail server refused the login (the SMTP username or password)"
	case errors.As(err, &reply):
		return "the mail server refused the connection"
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return "the mail server could not be reached"
	}
	return "the mail server could not be used"
}
