package njtapi

import (
	"strconv"
	"strings"
)

// Writer builds compact JSON the way OpenNJet's generated serializers
// write it: members in schema order, no spaces, and strings escaped only
// where JSON requires it ('/' and non-ASCII text are written as is).
type Writer struct{ b strings.Builder }

// Raw appends text as is.
func (w *Writer) Raw(s string) { w.b.WriteString(s) }

// Key appends "name": .
func (w *Writer) Key(name string) {
	w.String(name)
	w.b.WriteByte(':')
}

// String appends s as a JSON string.
func (w *Writer) String(s string) {
	w.b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			w.b.WriteString(`\"`)
		case '\\':
			w.b.WriteString(`\\`)
		case '\b':
			w.b.WriteString(`\b`)
		case '\f':
			w.b.WriteString(`\f`)
		case '\n':
			w.b.WriteString(`\n`)
		case '\r':
			w.b.WriteString(`\r`)
		case '\t':
			w.b.WriteString(`\t`)
		default:
			if c < 0x20 {
				// OpenNJet writes other control bytes raw, which no
				// client can read; escaping them keeps the body JSON.
				w.b.WriteString(`\u00`)
				w.b.WriteByte("0123456789abcdef"[c>>4])
				w.b.WriteByte("0123456789abcdef"[c&15])
				continue
			}
			w.b.WriteByte(c)
		}
	}
	w.b.WriteByte('"')
}

// Bool appends true or false.
func (w *Writer) Bool(v bool) { w.b.WriteString(strconv.FormatBool(v)) }

// Int appends a number.
func (w *Writer) Int(v int) { w.b.WriteString(strconv.Itoa(v)) }

// Strings appends a JSON array of strings.
func (w *Writer) Strings(l []string) {
	w.b.WriteByte('[')
	for i, s := range l {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.String(s)
	}
	w.b.WriteByte(']')
}

// Bytes returns the text written.
func (w *Writer) Bytes() []byte { return []byte(w.b.String()) }
