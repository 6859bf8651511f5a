package mailout

const hexDigits = "0123456789ABCDEF"

// AppendQP appends src encoded as quoted-printable (RFC 2045) with CRLF
// line ends and lines of at most 76 characters. A dot that would start a
// line is encoded too (=2E), so that the result needs no dot-stuffing for
// SMTP's DATA and can be appended to a message ready for it.
func AppendQP(dst, src []byte) []byte {
	col := 0
	put := func(enc bool, c byte) {
		n := 1
		if enc {
			n = 3
		}
		if col+n > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		if enc || (col == 0 && c == '.') {
			dst = append(dst, '=', hexDigits[c>>4], hexDigits[c&15])
			col += 3
			return
		}
		dst = append(dst, c)
		col++
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			continue
		case c == '\n':
			dst = append(dst, '\r', '\n')
			col = 0
		case c == ' ' || c == '\t':
			// white space before a line end is encoded, else it could be lost
			end := i+1 == len(src) || src[i+1] == '\n' || src[i+1] == '\r'
			put(end, c)
		case c >= '!' && c <= '~' && c != '=':
			put(false, c)
		default:
			put(true, c)
		}
	}
	return dst
}
