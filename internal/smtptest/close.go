package smtptest

// Close kills the server: it stops listening and cuts every connection, as
// a relay that dies does (a message being read is lost or, if it was kept,
// its reply may never go out). The listener is closed here too: go-smtp's
// Close knows only the listeners its Serve took, and a Close right after
// Start can come before the serving goroutine ran (then the server went on
// accepting, and a test of a relay that is down sent through it).
func (s *Server) Close() {
	s.listener.Close()
	s.srv.Close()
}
