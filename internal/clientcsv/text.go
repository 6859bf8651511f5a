package clientcsv

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Text looks at a file as it is written out: the line of its first
// NUL byte and of its first byte that is not UTF-8, and whether its
// letters above ASCII read as Cyrillic words in Windows-1251 (see
// Encoding).
type Text struct {
	lines   int    // line breaks so far
	nulLine int    // the line of the first NUL byte, 0 while none
	badLine int    // the line of the first byte that is not UTF-8, 0 while none
	carry   []byte // a character cut at the end of the last block

	letters, inWords     int  // Windows-1251 letters, and those next to another
	prevLetter, lastLone bool // the byte before is a letter; one not counted in a word yet
	undefined            bool // the one byte Windows-1251 leaves undefined was seen
}

// cp1251Letter: А–я, Ё ё, and the Ukrainian and Belarusian Ґ ґ Є є І і Ї ї Ў ў.
var cp1251Letter = func() (t [256]bool) {
	for c := 0xC0; c <= 0xFF; c++ {
		t[c] = true
	}
	for _, c := range []byte{0xA8, 0xB8, 0xA5, 0xB4, 0xAA, 0xBA, 0xB2, 0xB3, 0xAF, 0xBF, 0xA1, 0xA2} {
		t[c] = true
	}
	return t
}()

func (t *Text) Write(b []byte) (int, error) {
	if t.nulLine == 0 {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			t.nulLine = t.lines + bytes.Count(b[:i], []byte("\n")) + 1
		}
	}
	if t.badLine == 0 {
		t.checkUTF8(b)
	}
	for _, c := range b {
		if c == 0x98 {
			t.undefined = true
		}
		letter := cp1251Letter[c]
		if letter {
			t.letters++
			if t.prevLetter {
				t.inWords++
			}
			if t.lastLone {
				t.inWords++
			}
			t.lastLone = !t.prevLetter
		} else {
			t.lastLone = false
		}
		t.prevLetter = letter
	}
	t.lines += bytes.Count(b, []byte("\n"))
	return len(b), nil
}

// checkUTF8 checks the block b, the end of a character cut at the end of
// the last block first; a character cut at its own end waits for the next.
func (t *Text) checkUTF8(b []byte) {
	for len(t.carry) > 0 && len(b) > 0 && !utf8.FullRune(t.carry) {
		t.carry, b = append(t.carry, b[0]), b[1:]
	}
	if len(t.carry) > 0 && utf8.FullRune(t.carry) {
		if r, size := utf8.DecodeRune(t.carry); r == utf8.RuneError && size <= 1 || size != len(t.carry) {
			t.badLine = t.lines + 1
			return
		}
		t.carry = t.carry[:0]
	}
	whole := len(b)
	for i := len(b) - 1; i >= max(0, len(b)-utf8.UTFMax+1); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				whole = i
			}
			break
		}
	}
	if utf8.Valid(b[:whole]) {
		t.carry = append(t.carry, b[whole:]...)
		return
	}
	bad := 0
	for {
		r, size := utf8.DecodeRune(b[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	t.badLine = t.lines + bytes.Count(b[:bad], []byte("\n")) + 1
}

// Encoding is the file's text encoding, once it is all written: UTF-8, or
// Windows-1251 (what a Russian Excel writes as "CSV") when it is not UTF-8
// and looks like Cyrillic words in it; anything else is refused rather
// than stored as is.
func (t *Text) Encoding() (string, error) {
	refuse := func(msg string) error {
		return &Error{Code: "validation_invalid_encoding", Msg: msg}
	}
	if t.nulLine > 0 {
		return "", refuse(fmt.Sprintf(
			"Line %d holds binary data: this is not a CSV text file (a spreadsheet, or text in UTF-16?). Save it as “CSV UTF-8” and import it again.",
			t.nulLine))
	}
	if t.badLine == 0 && len(t.carry) > 0 {
		t.badLine = t.lines + 1 // the file ends inside a character
	}
	if t.badLine == 0 {
		return "utf-8", nil
	}
	if t.looksLikeWindows1251() {
		return "windows-1251", nil
	}
	return "", refuse(fmt.Sprintf(
		"The file is neither UTF-8 text (line %d is not) nor Cyrillic in Windows-1251. Save it as “CSV UTF-8” and import it again.",
		t.badLine))
}

// looksLikeWindows1251 tells whether the letters above ASCII read as
// Cyrillic words in Windows-1251: nearly all of them next to another
// letter (punctuation such as « » – is left out of the count). The lone
// accents of Latin-1 (José, Müller) do not, nor UTF-8 with a broken byte.
func (t *Text) looksLikeWindows1251() bool {
	return !t.undefined && t.letters > 0 && t.inWords*10 >= t.letters*8
}
