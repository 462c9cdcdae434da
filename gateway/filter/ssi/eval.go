package ssi

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// lookup finds a variable as SSI commands see it: a capture $0..$9 of
// the last regex of if, then the SSI variables of the page, then the
// variables of the configuration. name is lower case.
func (w *writer) lookup(name string) (string, bool) {
	ms := w.rs.ms
	if len(name) == 1 && name[0] >= '0' && name[0] <= '9' {
		if n := int(name[0] - '0'); n < ms.ncap {
			if ms.capIdx[2*n] < 0 {
				return "", true
			}
			return ms.capSubj[ms.capIdx[2*n]:ms.capIdx[2*n+1]], true
		}
	}
	if v, ok := ms.vars[name]; ok {
		return v, true
	}
	return w.c.VarByName(name)
}

// evaluate replaces variables in a parameter value ("$name", "${name}")
// and removes the backslash of the escapes \\, \', \" and \$; a
// backslash before anything else stays. With prefix, a relative result
// gets the directory of the request's URI in front, as include paths
// do. A malformed variable reference is logged and reported as false.
func (w *writer) evaluate(text string, prefix bool) (string, bool) {
	if strings.IndexByte(text, '$') < 0 {
		s := unescape(text)
		if prefix && (text == "" || text[0] != '/') {
			s = uriDir(w.c.URI) + s
		}
		return s, true
	}
	var b strings.Builder
	first := true // no non-empty part written yet
	add := func(part string) {
		if part == "" {
			return
		}
		if first && prefix && part[0] != '/' {
			b.WriteString(uriDir(w.c.URI))
		}
		first = false
		b.WriteString(part)
	}
	for i := 0; i < len(text); {
		if text[i] != '$' {
			j := i
			quoted := false
			for ; j < len(text); j++ {
				if !quoted && text[j] == '$' {
					break
				}
				quoted = !quoted && text[j] == '\\'
			}
			add(unescape(text[i:j]))
			i = j
			continue
		}
		i++
		if i == len(text) {
			w.logf("invalid variable name in \"%s\"", text)
			return "", false
		}
		bracket := false
		if text[i] == '{' {
			bracket = true
			i++
			if i == len(text) {
				w.logf("invalid variable name in \"%s\"", text)
				return "", false
			}
		}
		start := i
		for i < len(text) && isNameByte(text[i]) {
			i++
		}
		name := text[start:i]
		if bracket {
			if i == len(text) || text[i] != '}' {
				w.logf("the closing bracket in \"%s\" variable is missing", name)
				return "", false
			}
			i++
		}
		if name == "" {
			w.logf("invalid variable name in \"%s\"", text)
			return "", false
		}
		if v, ok := w.lookup(strings.ToLower(name)); ok {
			add(v)
		}
	}
	return b.String(), true
}

func isNameByte(ch byte) bool {
	return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
}

// unescape removes the backslash of \\, \', \" and \$. A backslash
// before another byte is kept; one at the end is dropped, as in nginx.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !quoted {
			if ch == '\\' {
				quoted = true
				continue
			}
		} else {
			quoted = false
			if ch != '\\' && ch != '\'' && ch != '"' && ch != '$' {
				b = append(b, '\\')
			}
		}
		b = append(b, ch)
	}
	return string(b)
}

// uriDir is the URI up to and including its last slash.
func uriDir(uri string) string {
	return uri[:strings.LastIndexByte(uri, '/')+1]
}

// condition evaluates the expr of if and elif: "text" is true when it is
// not empty after variables are replaced; "text = text", "text !=
// text" compare, and "text = /regex/", "text != /regex/" match. The left
// side runs up to the first byte that is not a letter, digit, '$', '{',
// '}', '_' or a quote, and is lower-cased, as in nginx.
func (w *writer) condition(expr string) (holds, ok bool) {
	b := []byte(expr)
	p := 0
	for ; p < len(b); p++ {
		ch := b[p]
		if ch >= 'A' && ch <= 'Z' {
			b[p] |= 0x20
			continue
		}
		if ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '$' || ch == '{' || ch == '}' || ch == '_' || ch == '"' || ch == '\'' {
			continue
		}
		break
	}
	left, ok := w.evaluate(string(b[:p]), false)
	if !ok {
		return false, false
	}
	for p < len(b) && b[p] == ' ' {
		p++
	}
	if p == len(b) {
		return left != "", true
	}
	negative := false
	switch {
	case b[p] == '=':
		p++
	case p+1 < len(b) && b[p] == '!' && b[p+1] == '=':
		negative = true
		p += 2
	default:
		w.logf("invalid expression in \"%s\"", b)
		return false, false
	}
	for p < len(b) && b[p] == ' ' {
		p++
	}
	last := len(b)
	regex := false
	if p < last-1 && b[p] == '/' {
		if b[last-1] != '/' {
			w.logf("invalid expression in \"%s\"", b)
			return false, false
		}
		regex = true
		last--
		p++
	} else if p < last-1 && b[p] == '\\' && b[p+1] == '/' {
		p++
	}
	right, ok := w.evaluate(string(b[p:last]), false)
	if !ok {
		return false, false
	}
	match := left == right
	if regex {
		if match, ok = w.regexMatch(right, left); !ok {
			return false, false
		}
	}
	return match != negative, true
}

// regexMatch matches s against pattern and, on a match, keeps the
// captures for $0..$9 and sets named captures as SSI variables.
func (w *writer) regexMatch(pattern, s string) (matched, ok bool) {
	re, err := compileRegex(pattern)
	if err != nil {
		w.logf("%v", err)
		return false, false
	}
	idx := re.FindStringSubmatchIndex(s)
	if idx == nil {
		return false, true
	}
	ms := w.rs.ms
	ms.capSubj, ms.capIdx, ms.ncap = s, idx, 0
	for k := len(idx)/2 - 1; k >= 0; k-- {
		if idx[2*k] >= 0 {
			ms.ncap = k + 1
			break
		}
	}
	for i, name := range re.SubexpNames() {
		if name == "" {
			continue
		}
		v := ""
		if idx[2*i] >= 0 {
			v = s[idx[2*i]:idx[2*i+1]]
		}
		ms.setVar(strings.ToLower(name), v)
	}
	return true, true
}

// The patterns of if come from documents, after variables are replaced,
// so they cannot be compiled with the configuration. Compiled ones are
// kept, up to a bound, so that a page served again does not compile
// them again.
const regexCacheMax = 1024

var (
	regexCache  sync.Map // pattern -> *regexp.Regexp
	regexCached atomic.Int32
)

func compileRegex(pattern string) (*regexp.Regexp, error) {
	if re, ok := regexCache.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := conf.CompileRegex(pattern, false)
	if err != nil {
		return nil, err
	}
	if regexCached.Load() < regexCacheMax {
		if _, loaded := regexCache.LoadOrStore(pattern, re); !loaded {
			regexCached.Add(1)
		}
	}
	return re, nil
}

// parseUnsafeURI splits an include path at its first '?' and decodes
// %XX in the path part, refusing what nginx's ngx_http_parse_unsafe_uri
// refuses: an empty path, "..", NUL bytes. Unlike nginx, a ".." segment
// right before the '?' is refused as well.
func parseUnsafeURI(uri string) (path, args string, ok bool) {
	if uri == "" || uri[0] == '?' {
		return "", "", false
	}
	path = uri
	quoted := false
	for i := 0; i < len(uri); i++ {
		switch uri[i] {
		case '%':
			quoted = true
		case '?':
			path, args = uri[:i], uri[i+1:]
			i = len(uri)
		}
	}
	if quoted {
		path = unescapeURI(path)
	}
	if !safePath(path) {
		return "", "", false
	}
	return path, args, true
}

// safePath refuses NUL bytes and ".." segments.
func safePath(p string) bool {
	if strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for start := 0; start <= len(p); {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		if p[start:end] == ".." {
			return false
		}
		start = end + 1
	}
	return true
}

// unescapeURI decodes %XX as nginx's ngx_unescape_uri: a '%' not
// followed by two hex digits is dropped with what of them there is.
func unescapeURI(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+1 < len(s) && !isHex(s[i+1]) {
			b = append(b, s[i+1])
			i++
			continue
		}
		if i+2 < len(s) && !isHex(s[i+2]) {
			b = append(b, s[i+2])
			i += 2
			continue
		}
		if i+2 >= len(s) {
			break
		}
		b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// escapeHTML is echo's entity encoding: < > & and ".
func escapeHTML(s string) string {
	if strings.IndexAny(s, "<>&\"") < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// urlHTMLUnsafe marks the bytes echo's url encoding escapes: nginx's
// NGX_ESCAPE_HTML set (space " # % ' < > \ ^ ` { | }, controls and
// bytes from 0x7f).
var urlHTMLUnsafe = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c <= 0x20 || c >= 0x7f
	}
	for _, c := range " \"#%'<>\\^`{|}" {
		t[c] = true
	}
	return
}()

func escapeURIHTML(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if urlHTMLUnsafe[s[i]] {
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
		if urlHTMLUnsafe[c] {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// timeFormat returns the time format of $date_local and $date_gmt for a
// request: the one "config timefmt" set in the document being
// processed, the default otherwise.
func timeFormat(c *gateway.Ctx) string {
	if rs, ok := c.Data(reqKey).(*reqState); ok {
		return rs.timefmt
	}
	return defaultTimeFmt
}
