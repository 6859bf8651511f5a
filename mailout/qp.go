package mailout

const hexDigits = "0123456789ABCDEF"

// qpLiteral marks the bytes quoted-printable writes as they are: printable
// ASCII but "=" (a space or tab also, unless it ends a line).
var qpLiteral = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	return t
}()

// AppendQP appends src encoded as quoted-printable (RFC 2045) with CRLF
// line ends and lines of at most 76 characters. A dot that would start a
// line is encoded too (=2E), so that the result needs no dot-stuffing for
// SMTP's DATA and can be appended to a message ready for it. Runs of
// literal bytes are copied at once: this is most of each message's work.
func AppendQP(dst, src []byte) []byte {
	col := 0
	for i := 0; i < len(src); {
		c := src[i]
		if qpLiteral[c] && (col > 0 || c != '.') {
			// copy the literal run that fits on the line
			j := i + 1
			for j < len(src) && qpLiteral[src[j]] && col+(j-i) < 75 {
				j++
			}
			if col+(j-i) > 75 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
				continue
			}
			dst = append(dst, src[i:j]...)
			col += j - i
			i = j
			continue
		}
		i++
		switch {
		case c == '\r' && i < len(src) && src[i] == '\n':
			continue
		case c == '\n':
			dst = append(dst, '\r', '\n')
			col = 0
			continue
		case (c == ' ' || c == '\t') && i < len(src) && src[i] != '\n' && src[i] != '\r':
			// white space is encoded only before a line end, where it could be lost
			if col+1 > 75 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
			}
			dst = append(dst, c)
			col++
			continue
		}
		if col+3 > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		dst = append(dst, '=', hexDigits[c>>4], hexDigits[c&15])
		col += 3
	}
	return dst
}
