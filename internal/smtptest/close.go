package smtptest

// Close kills the server: it stops listening and cuts every connection, as
// a relay that dies does (a message being read is lost or, if it was kept,
// its reply may never go out).
func (s *Server) Close() { s.srv.Close() }
