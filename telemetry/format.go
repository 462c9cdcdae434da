package telemetry

import (
	"fmt"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// Escape says how variable values are escaped in a log line.
type Escape uint8

// The escaping modes of log_format.
const (
	// EscapeDefault writes '"', '\', control characters and bytes from
	// 0x7F up as \xHH, and a variable without a value as "-".
	EscapeDefault Escape = iota
	// EscapeJSON escapes as in JSON strings; a variable without a value
	// writes nothing.
	EscapeJSON
	// EscapeNone writes values as they are; a variable without a value
	// writes nothing.
	EscapeNone
)

func (e Escape) String() string {
	switch e {
	case EscapeJSON:
		return "json"
	case EscapeNone:
		return "none"
	}
	return "default"
}

// ParseEscape reads "default", "json" or "none".
func ParseEscape(s string) (Escape, bool) {
	switch s {
	case "default":
		return EscapeDefault, true
	case "json":
		return EscapeJSON, true
	case "none":
		return EscapeNone, true
	}
	return 0, false
}

// CombinedFormat is the text of nginx's predefined "combined" format.
const CombinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// rawVars are the variables nginx's log module writes itself: never
// escaped and never "-".
var rawVars = map[string]bool{
	"pipe": true, "time_local": true, "time_iso8601": true, "msec": true, "request_time": true,
	"status": true, "bytes_sent": true, "body_bytes_sent": true, "request_length": true,
}

// Format is a compiled log format: literal text and variables.
type Format struct {
	// Name is the format's name ("combined").
	Name string
	// Escape is how variable values are escaped.
	Escape Escape
	// Text is the format as written, its strings joined.
	Text string

	parts []formatPart
	ops   []formatOp
}

// formatPart is a parsed piece of a format, before variables are
// resolved against a variable table.
type formatPart struct {
	lit  string
	name string // variable name when lit is ""
}

type formatOp struct {
	lit  string
	slot int // -1 for literal text
	raw  bool
}

// ParseFormat checks the syntax of a format given as log_format's strings
// (escape mode separate) and returns it with variables not yet resolved;
// Compile resolves them. Errors use nginx's words.
func ParseFormat(name string, escape Escape, texts ...string) (*Format, error) {
	f := &Format{Name: name, Escape: escape, Text: strings.Join(texts, "")}
	for _, s := range texts {
		for i := 0; i < len(s); {
			if s[i] != '$' {
				j := strings.IndexByte(s[i:], '$')
				if j < 0 {
					j = len(s) - i
				}
				f.parts = append(f.parts, formatPart{lit: s[i : i+j]})
				i += j
				continue
			}
			start := i
			i++
			if i == len(s) {
				return nil, fmt.Errorf("invalid parameter \"%s\"", s[start:])
			}
			bracket := false
			if s[i] == '{' {
				bracket = true
				i++
				if i == len(s) {
					return nil, fmt.Errorf("invalid parameter \"%s\"", s[start:])
				}
			}
			vs := i
			for i < len(s) && isNameByte(s[i]) {
				i++
			}
			v := s[vs:i]
			if bracket {
				if i == len(s) || s[i] != '}' {
					return nil, fmt.Errorf("the closing bracket in \"%s\" variable is missing", s[vs:i])
				}
				i++
			}
			if v == "" {
				return nil, fmt.Errorf("invalid parameter \"%s\"", s[start:])
			}
			f.parts = append(f.parts, formatPart{name: v})
		}
	}
	return f, nil
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// Compile resolves the format's variables against a snapshot's table and
// returns the ready format. A name the table does not know yet is taken
// as a forward reference, which VarTable.Check reports if nothing
// defines it.
func (f *Format) Compile(vars *gateway.VarTable) (*Format, error) {
	out := &Format{Name: f.Name, Escape: f.Escape, Text: f.Text, parts: f.parts}
	for _, p := range f.parts {
		if p.name == "" {
			// merge adjacent literals
			if n := len(out.ops); n > 0 && out.ops[n-1].slot < 0 {
				out.ops[n-1].lit += p.lit
				continue
			}
			out.ops = append(out.ops, formatOp{lit: p.lit, slot: -1})
			continue
		}
		slot, err := vars.Index(p.name)
		if err != nil {
			return nil, err
		}
		out.ops = append(out.ops, formatOp{slot: slot, raw: rawVars[p.name]})
	}
	return out, nil
}

// CompileFormat parses and compiles a format in one step, for Go callers.
func CompileFormat(vars *gateway.VarTable, name string, escape Escape, texts ...string) (*Format, error) {
	f, err := ParseFormat(name, escape, texts...)
	if err != nil {
		return nil, err
	}
	return f.Compile(vars)
}

// Append writes the request's log line (without newline) to dst.
func (f *Format) Append(dst []byte, c *gateway.Ctx) []byte {
	for i := range f.ops {
		op := &f.ops[i]
		if op.slot < 0 {
			dst = append(dst, op.lit...)
			continue
		}
		v, ok := c.Var(op.slot)
		switch {
		case op.raw:
			dst = append(dst, v...)
		case f.Escape == EscapeJSON:
			dst = appendJSON(dst, v)
		case f.Escape == EscapeNone:
			dst = append(dst, v...)
		case !ok:
			dst = append(dst, '-')
		default:
			dst = appendEscaped(dst, v)
		}
	}
	return dst
}

const hexUpper = "0123456789ABCDEF"

// logEscape marks the bytes the default escaping writes as \xHH: control
// characters, '"', '\', DEL and everything from 0x80.
var logEscape = func() (t [256]bool) {
	for b := 0; b < 256; b++ {
		t[b] = b < 0x20 || b == '"' || b == '\\' || b >= 0x7f
	}
	return t
}()

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if logEscape[b] {
			dst = append(dst, '\\', 'x', hexUpper[b>>4], hexUpper[b&0xf])
		} else {
			dst = append(dst, b)
		}
	}
	return dst
}

// appendJSON escapes as nginx's ngx_escape_json: '"' and '\' get a
// backslash, control characters their short form or \u00XX; other bytes,
// UTF-8 included, pass unchanged.
func appendJSON(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b > 0x1f {
			if b == '"' || b == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, b)
			continue
		}
		switch b {
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexUpper[b>>4], hexUpper[b&0xf])
		}
	}
	return dst
}
