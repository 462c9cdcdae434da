package rewrite

import (
	"fmt"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// replacement is the compiled second argument of a rewrite directive. It
// follows nginx's script compiler rather than gateway.Template because the
// text has structure a template lacks: the first '?' splits the new URI
// from the new arguments, and captures placed in the arguments (or
// anywhere in a redirect) are escaped when the client's URI was.
type replacement struct {
	parts []replPart
	// split is true when an unescaped '?' divides URI and arguments (never
	// for redirects, whose '?' stays in the text).
	split bool
	// question is true when the text holds a '?' at all: the original
	// arguments are then appended with '&' instead of '?'.
	question bool
}

type partKind uint8

const (
	partLiteral partKind = iota
	partCapture
	partVar
)

type replPart struct {
	kind partKind
	lit  string
	n    int // capture number
	name string
	slot int
	// args is true for parts after the splitting '?'.
	args bool
}

// parseReplacement splits s into literals, captures ($1..$9) and
// variables, as ngx_http_script_compile does. Variable names are resolved
// later by bind, so that a replacement may name a variable that a later
// directive defines.
func parseReplacement(s string, compileArgs bool) (*replacement, error) {
	r := &replacement{}
	inArgs := false
	for i := 0; i < len(s); {
		if s[i] == '$' {
			i++
			if i == len(s) {
				return nil, fmt.Errorf("invalid variable name")
			}
			if s[i] >= '1' && s[i] <= '9' {
				r.parts = append(r.parts, replPart{kind: partCapture, n: int(s[i] - '0'), args: inArgs})
				i++
				continue
			}
			bracket := false
			if s[i] == '{' {
				bracket = true
				i++
				if i == len(s) {
					return nil, fmt.Errorf("invalid variable name")
				}
			}
			start, closed := i, false
			for i < len(s) {
				ch := s[i]
				if ch == '}' && bracket {
					closed = true
					break
				}
				if ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
					i++
					continue
				}
				break
			}
			name := s[start:i]
			if bracket {
				if !closed {
					return nil, fmt.Errorf("the closing bracket in \"%s\" variable is missing", name)
				}
				i++
			}
			if name == "" {
				return nil, fmt.Errorf("invalid variable name")
			}
			r.parts = append(r.parts, replPart{kind: partVar, name: name, args: inArgs})
			continue
		}
		if s[i] == '?' && compileArgs && !inArgs {
			r.split, r.question, inArgs = true, true, true
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] != '$' {
			if s[i] == '?' {
				r.question = true
				if compileArgs && !inArgs {
					break
				}
			}
			i++
		}
		r.parts = append(r.parts, replPart{kind: partLiteral, lit: s[start:i], args: inArgs})
	}
	return r, nil
}

// bind resolves the variable names against the snapshot's table.
func (r *replacement) bind(vars *gateway.VarTable) error {
	for i := range r.parts {
		p := &r.parts[i]
		if p.kind != partVar {
			continue
		}
		slot, err := vars.Index(p.name)
		if err != nil {
			return err
		}
		p.slot = slot
	}
	return nil
}

// eval computes the replacement. uri is the text before the splitting
// '?', args the text after it. Captures are escaped for an argument
// context when quote is set (redirects) or they lie in the arguments, and
// only when the client's URI itself was escaped, as nginx does.
func (r *replacement) eval(c *gateway.Ctx, quote, escaped bool) (uri, args string) {
	var ub, ab strings.Builder
	for i := range r.parts {
		p := &r.parts[i]
		b := &ub
		if p.args {
			b = &ab
		}
		switch p.kind {
		case partLiteral:
			b.WriteString(p.lit)
		case partVar:
			v, _ := c.Var(p.slot)
			b.WriteString(v)
		case partCapture:
			v, _ := c.Capture(p.n)
			if (quote || p.args) && escaped {
				v = escapeArgs(v)
			}
			b.WriteString(v)
		}
	}
	return ub.String(), ab.String()
}

// clientURIEscaped reports whether the path of the request line held '%'
// or '+' (nginx's quoted_uri and plus_in_uri).
func clientURIEscaped(c *gateway.Ctx) bool {
	if c.Req == nil {
		return false
	}
	u := c.Req.RequestURI
	if len(u) > 0 && u[0] != '/' {
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
			if j := strings.IndexByte(u, '/'); j >= 0 {
				u = u[j:]
			} else {
				u = ""
			}
		}
	}
	if q := strings.IndexByte(u, '?'); q >= 0 {
		u = u[:q]
	}
	return strings.ContainsAny(u, "%+")
}

// argsEscape marks the bytes nginx's NGX_ESCAPE_ARGS escapes: controls,
// space, '"', '#', '%', '&', '+', ';', '<', '>', '?', '\', '^', '`', '{',
// '|', '}', DEL and every byte above 0x7f.
var argsEscape = [8]uint32{
	0xffffffff,
	0xd800086d,
	0x50000000,
	0xb8000001,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
}

func escapeArgs(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if argsEscape[s[i]>>5]&(1<<(s[i]&0x1f)) != 0 {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if argsEscape[ch>>5]&(1<<(ch&0x1f)) != 0 {
			b = append(b, '%', hex[ch>>4], hex[ch&0xf])
		} else {
			b = append(b, ch)
		}
	}
	return string(b)
}

// unescapeRedirect decodes a redirect target as nginx's
// ngx_unescape_uri(NGX_UNESCAPE_REDIRECT) does: %XX sequences of printable
// characters above '%' are decoded, others stay escaped, and decoding
// stops after the first '?' (literal or decoded). Malformed escapes lose
// their '%' the way nginx's state machine drops them.
func unescapeRedirect(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	const (
		usual = iota
		quoted
		quotedSecond
	)
	d := make([]byte, 0, len(s))
	state := usual
	var decoded byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch state {
		case usual:
			if ch == '?' {
				d = append(d, ch)
				return string(d) + s[i+1:]
			}
			if ch == '%' {
				state = quoted
				continue
			}
			d = append(d, ch)
		case quoted:
			if ch >= '0' && ch <= '9' {
				decoded = ch - '0'
				state = quotedSecond
				continue
			}
			if c := ch | 0x20; c >= 'a' && c <= 'f' {
				decoded = c - 'a' + 10
				state = quotedSecond
				continue
			}
			state = usual
			d = append(d, ch)
		case quotedSecond:
			state = usual
			var v byte
			if ch >= '0' && ch <= '9' {
				v = decoded<<4 + ch - '0'
			} else if c := ch | 0x20; c >= 'a' && c <= 'f' {
				v = decoded<<4 + c - 'a' + 10
				if v == '?' {
					d = append(d, v)
					return string(d) + s[i+1:]
				}
			} else {
				continue
			}
			if v > '%' && v < 0x7f {
				d = append(d, v)
			} else {
				d = append(d, s[i-2:i+1]...)
			}
		}
	}
	return string(d)
}
