package clientcsv

import (
	"bufio"
	"io"
)

// rowCap passes the text on and ends it early, as if the file ended there,
// once the row being read has run over max bytes. Blank lines before a row
// are no part of it: the CSV reader skips them.
type rowCap struct {
	src   io.Reader
	max   int64
	read  int64 // bytes passed on
	start int64 // where the row being read starts; -1 while only blank lines came
	cr    bool  // the byte before is a '\r' that may begin a blank line
	cut   bool  // the text was ended early
}

func (c *rowCap) Read(p []byte) (int, error) {
	if c.start >= 0 {
		room := c.start + c.max - c.read
		if room <= 0 {
			c.cut = true
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), room)]
	}
	n, err := c.src.Read(p)
	c.scan(p[:n], c.read)
	c.read += int64(n)
	return n, err
}

// scan looks for the start of the row in b, which is at offset at of the
// text: the first byte that is not part of a blank line ("\n", "\r\n").
func (c *rowCap) scan(b []byte, at int64) {
	for i := 0; c.start < 0 && i < len(b); i++ {
		switch {
		case b[i] == '\n':
			c.cr = false
		case b[i] == '\r' && !c.cr:
			c.cr = true
		case c.cr:
			c.start = at + int64(i) - 1
		default:
			c.start = at + int64(i)
		}
	}
}

// rowDone says that the CSV reader has read a row: the next one starts in
// what it holds ahead in in, or after it.
func (c *rowCap) rowDone(in *bufio.Reader) {
	c.start, c.cr = -1, false
	ahead, _ := in.Peek(in.Buffered())
	c.scan(ahead, c.read-int64(len(ahead)))
}
