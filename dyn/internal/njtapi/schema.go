package njtapi

import (
	"fmt"
	"strings"
)

// Kind is the JSON type a schema node accepts.
type Kind int

// Schema kinds.
const (
	String Kind = iota
	Bool
	Enum
	Array
	Object
)

// Schema describes a request body the way OpenNJet's generated parsers
// ("JSON Schema to C") read it. Parse reproduces their checks in their
// order, with their messages and positions, so that a bad body gets the
// answer OpenNJet gives: {"code":3,"msg":"pos: 25, Array 'listens' too
// small. Length: 0. Minimum length: 1."}.
type Schema struct {
	Kind Kind
	// MinLen is a String's minimum length in bytes as written (escapes
	// count as written).
	MinLen int
	// Values are an Enum's accepted strings.
	Values []string
	// Items is an Array's element schema; MinItems its minimum length.
	Items    *Schema
	MinItems int
	// Fields are an Object's members, in the order the generated parser
	// checks required ones.
	Fields []Field
}

// Field is one member of an Object schema.
type Field struct {
	Name     string
	Schema   *Schema
	Required bool
	// NullCheck marks members the generated parser lets through as unset
	// when their value is the string "null" (only that string: a JSON
	// null is a type error there). As in OpenNJet, the value is then not
	// consumed, so only a last member can be skipped this way cleanly.
	NullCheck bool
}

// Str, Boolean, Enumeration, ArrayOf and ObjectOf build schema nodes.
func Str(minLen int) *Schema { return &Schema{Kind: String, MinLen: minLen} }

// Boolean is a true/false member.
func Boolean() *Schema { return &Schema{Kind: Bool} }

// Enumeration accepts one of values.
func Enumeration(values ...string) *Schema { return &Schema{Kind: Enum, Values: values} }

// ArrayOf is an array of items, at least minItems long.
func ArrayOf(items *Schema, minItems int) *Schema {
	return &Schema{Kind: Array, Items: items, MinItems: minItems}
}

// ObjectOf is an object with fields.
func ObjectOf(fields ...Field) *Schema { return &Schema{Kind: Object, Fields: fields} }

// Obj is a parsed object: the members that were set.
type Obj struct {
	set map[string]any
}

// Has reports whether member name was given.
func (o *Obj) Has(name string) bool {
	if o == nil {
		return false
	}
	_, ok := o.set[name]
	return ok
}

// Str returns string member name ("" when not given).
func (o *Obj) Str(name string) string {
	if o == nil {
		return ""
	}
	s, _ := o.set[name].(string)
	return s
}

// Bool returns boolean member name (false when not given).
func (o *Obj) Bool(name string) bool {
	if o == nil {
		return false
	}
	b, _ := o.set[name].(bool)
	return b
}

// Objs returns the objects of array member name.
func (o *Obj) Objs(name string) []*Obj {
	if o == nil {
		return nil
	}
	l, _ := o.set[name].([]any)
	out := make([]*Obj, 0, len(l))
	for _, v := range l {
		if ob, ok := v.(*Obj); ok {
			out = append(out, ob)
		}
	}
	return out
}

// Strs returns the strings of array member name.
func (o *Obj) Strs(name string) []string {
	if o == nil {
		return nil
	}
	l, _ := o.set[name].([]any)
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ParseError is a body refused by Parse; Error() is OpenNJet's message.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return e.Msg }

// parser is the cursor over the tokens, as parse_state_t.
type parser struct {
	js   []byte
	toks []token
	cur  int
	key  string // current_key: the member being read, for messages
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &ParseError{Msg: fmt.Sprintf("pos: %d, ", pos) + fmt.Sprintf(format, args...)}
}

// text is the raw text of token i.
func (p *parser) text(i int) string {
	if i >= len(p.toks) {
		return ""
	}
	t := p.toks[i]
	return string(p.js[t.start:t.end])
}

// Parse reads body against root, which must be an Object schema.
func Parse(root *Schema, body []byte) (*Obj, error) {
	toks, n := tokenize(body)
	switch {
	case n == errInval:
		return nil, &ParseError{Msg: "pos: -1, Invalid character inside JSON string"}
	case n == errPart:
		return nil, &ParseError{Msg: "pos: -1, The string is not a full JSON packet, more bytes expected"}
	case n == 0:
		return nil, &ParseError{Msg: "pos: 0, String did not contain any JSON tokens"}
	}
	p := &parser{js: body, toks: toks, key: "document root"}
	v, err := p.value(root)
	if err != nil {
		return nil, err
	}
	return v.(*Obj), nil
}

// tok returns the current token; past the end (only reachable through
// the "null" quirk) an undefined token at the end of the input.
func (p *parser) tok() token {
	if p.cur < len(p.toks) {
		return p.toks[p.cur]
	}
	return token{typ: tokUndefined, start: len(p.js), end: len(p.js)}
}

func (p *parser) checkType(want tokType) error {
	if t := p.tok(); t.typ != want {
		return p.errorf(t.start, "Unexpected token in '%s': %s instead of %s", p.key, t.typ, want)
	}
	return nil
}

// isString reports whether the current token is the string s.
func (p *parser) isString(s string) bool {
	t := p.tok()
	return t.typ == tokString && string(p.js[t.start:t.end]) == s
}

func (p *parser) value(s *Schema) (any, error) {
	switch s.Kind {
	case Object:
		return p.object(s)
	case Array:
		return p.array(s)
	case Bool:
		return p.boolean()
	case Enum:
		if err := p.checkType(tokString); err != nil {
			return nil, err
		}
		for _, v := range s.Values {
			if p.isString(v) {
				p.cur++
				return v, nil
			}
		}
		t := p.tok()
		return nil, p.errorf(t.start, "Unknown enum value in '%s': %s", p.key, p.text(p.cur))
	default:
		return p.str(s.MinLen)
	}
}

func (p *parser) object(s *Schema) (*Obj, error) {
	if err := p.checkType(tokObject); err != nil {
		return nil, err
	}
	start := p.cur
	n := p.toks[p.cur].size
	p.cur++
	o := &Obj{set: map[string]any{}}
	for i := 0; i < n; i++ {
		t := p.tok()
		if t.size > 1 {
			return nil, p.errorf(t.start, "Missing separator between values in '%s', after key: %s", p.key, p.text(p.cur))
		}
		if t.size < 1 {
			return nil, p.errorf(t.start, "Missing value in '%s', after key: %s", p.key, p.text(p.cur))
		}
		var f *Field
		for j := range s.Fields {
			if p.isString(s.Fields[j].Name) {
				f = &s.Fields[j]
				break
			}
		}
		if f == nil {
			return nil, p.errorf(t.start, "Unknown field in '%s': %s", p.key, p.text(p.cur))
		}
		if o.Has(f.Name) {
			return nil, p.errorf(t.start, "Duplicate field definition in '%s'", p.key)
		}
		p.cur++
		saved := p.key
		p.key = f.Name
		if f.NullCheck && p.isString("null") {
			p.key = saved
			continue
		}
		v, err := p.value(f.Schema)
		if err != nil {
			return nil, err
		}
		o.set[f.Name] = v
		p.key = saved
	}
	for _, f := range s.Fields {
		if f.Required && !o.Has(f.Name) {
			return nil, p.errorf(p.toks[start].start, "Missing required field in '%s': %s", p.key, f.Name)
		}
	}
	return o, nil
}

func (p *parser) array(s *Schema) ([]any, error) {
	if err := p.checkType(tokArray); err != nil {
		return nil, err
	}
	t := p.tok()
	if t.size < s.MinItems {
		return nil, p.errorf(t.start, "Array '%s' too small. Length: %d. Minimum length: %d.", p.key, t.size, s.MinItems)
	}
	p.cur++
	out := make([]any, 0, t.size)
	for i := 0; i < t.size; i++ {
		v, err := p.value(s.Items)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) boolean() (bool, error) {
	if err := p.checkType(tokPrimitive); err != nil {
		return false, err
	}
	t := p.tok()
	switch p.text(p.cur) {
	case "true":
		p.cur++
		return true, nil
	case "false":
		p.cur++
		return false, nil
	}
	return false, p.errorf(t.start, "Invalid boolean literal in '%s': %s", p.key, p.text(p.cur))
}

func (p *parser) str(minLen int) (string, error) {
	if err := p.checkType(tokString); err != nil {
		return "", err
	}
	t := p.tok()
	if t.end-t.start < minLen {
		return "", p.errorf(t.start, "String too short in '%s'. Length: %d. Minimum length: %d.", p.key, t.end-t.start, minLen)
	}
	p.cur++
	return unescape(p.js[t.start:t.end]), nil
}

// unescape decodes a string token as OpenNJet's parsers do: the usual
// one-letter escapes are decoded, and "\uXXXX" loses only its backslash.
func unescape(raw []byte) string {
	if !strings.ContainsRune(string(raw), '\\') {
		return string(raw)
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			b.WriteByte(raw[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			b.WriteByte(raw[i])
		}
	}
	return b.String()
}

// ServersField is the "servers" member of a declarative config body:
// server objects with listens (at least minListens, each non-empty),
// serverNames and their locations (loc).
func ServersField(loc *Schema, minListens int) Field {
	server := ObjectOf(
		Field{Name: "listens", Schema: ArrayOf(Str(1), minListens), Required: true},
		Field{Name: "serverNames", Schema: ArrayOf(Str(0), 0), Required: true},
		Field{Name: "locations", Schema: ArrayOf(loc, 0), Required: true},
	)
	return Field{Name: "servers", Schema: ArrayOf(server, 0), Required: true}
}

// LocationSchema is a location object: its name, the module's fields in
// order, and nested locations under "locations" at position nestedAt
// among them (OpenNJet's member order differs between modules).
func LocationSchema(nestedAt int, fields ...Field) *Schema {
	loc := &Schema{Kind: Object}
	nested := Field{Name: "locations", Schema: ArrayOf(loc, 0), NullCheck: true}
	loc.Fields = append(loc.Fields, Field{Name: "location", Schema: Str(0), Required: true})
	loc.Fields = append(loc.Fields, fields[:nestedAt]...)
	loc.Fields = append(loc.Fields, nested)
	loc.Fields = append(loc.Fields, fields[nestedAt:]...)
	return loc
}
