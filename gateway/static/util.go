package static

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// errnoOf returns the system error number behind a file error, 0 when
// there is none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// errnoText is the " (2: No such file or directory)" suffix nginx adds
// to log lines about failed system calls; "" when err carries no errno.
func errnoText(err error) string {
	e := errnoOf(err)
	if e == 0 {
		return ""
	}
	msg := e.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		// Go spells strerror texts in lower case; C starts them upper case.
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return " (" + strconv.Itoa(int(e)) + ": " + msg + ")"
}

// uriUnsafe and componentUnsafe mark the bytes nginx escapes in a URI
// path (NGX_ESCAPE_URI) and in a path component (NGX_ESCAPE_URI_COMPONENT).
var uriUnsafe, componentUnsafe [256]bool

func init() {
	for i := 0; i < 256; i++ {
		b := byte(i)
		uriUnsafe[i] = b <= 0x20 || b >= 0x7f || strings.IndexByte("\"#%<>?\\^`{|}", b) >= 0
		componentUnsafe[i] = !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-._~", b) >= 0)
	}
}

func escapeWith(s string, unsafe *[256]bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if unsafe[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unsafe[c] {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// escapeURI escapes a decoded URI path for a Location header.
func escapeURI(s string) string { return escapeWith(s, &uriUnsafe) }

// escapeURIComponent escapes a file name for a link in a listing.
func escapeURIComponent(s string) string { return escapeWith(s, &componentUnsafe) }

var htmlEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", "\"", "&quot;")

func escapeHTML(s string) string {
	if strings.ContainsAny(s, "<>&\"") {
		return htmlEscaper.Replace(s)
	}
	return s
}

// escapeJSON escapes a string for a JSON string literal as nginx does.
func escapeJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c > 0x1f:
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		default:
			const hex = "0123456789ABCDEF"
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
