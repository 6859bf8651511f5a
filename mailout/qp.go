package mailout

const hexDigits = "0123456789ABCDEF"

// qpRun marks the bytes quoted-printable may write as they are: printable
// ASCII but "=", and the space and tab, which are encoded only before a
// line end (see AppendQP).
var qpRun = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// AppendQP appends src encoded as quoted-printable (RFC 2045) with CRLF
// line ends and lines of at most 76 characters. A dot that would start a
// line is encoded too (=2E), so that the result needs no dot-stuffing for
// SMTP's DATA and can be appended to a message ready for it. Runs of
// literal bytes, spaces among them, are copied at once, as far as the line
// allows: this is most of each message's work.
func AppendQP(dst, src []byte) []byte {
	col := 0
	for i := 0; i < len(src); {
		c := src[i]
		if qpRun[c] && (col > 0 || c != '.') {
			if col >= 75 {
				dst = append(dst, '=', '\r', '\n')
				col = 0
				continue
			}
			// the literal run that fits on the line
			limit := min(len(src), i+75-col)
			j := i + 1
			for j < limit && qpRun[src[j]] {
				j++
			}
			// white space before a line end, or at the very end, would be
			// lost: it goes the slow way and is encoded
			if last := src[j-1]; (last == ' ' || last == '\t') && (j == len(src) || src[j] == '\r' || src[j] == '\n') {
				j--
			}
			if j > i {
				dst = append(dst, src[i:j]...)
				col += j - i
				i = j
				continue
			}
		}
		i++
		switch {
		case c == '\r' && i < len(src) && src[i] == '\n':
			continue
		case c == '\n':
			dst = append(dst, '\r', '\n')
			col = 0
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
