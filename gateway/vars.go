package gateway

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Var defines a variable ($name). Most variables compute their value from
// the request when first asked and keep it for the rest of the request;
// NoCache ones are computed at every use ($uri changes with rewrites).
type Var struct {
	Name string
	// Get computes the value; ok=false means "not found" (an empty value
	// in templates, "-" in access logs). Nil Get makes a plain variable
	// that only Set (the "set" directive) gives a value.
	Get func(c *Ctx) (value string, ok bool)
	// Set, when not nil, lets "set $name" change what the variable reads
	// ($args, $limit_rate). Otherwise "set" stores into the slot.
	Set func(c *Ctx, value string)
	// NoCache recomputes the value at every use.
	NoCache bool
}

// PrefixVar defines a family of variables by name prefix ($http_, $arg_,
// $cookie_, $sent_http_, $upstream_http_): Get receives the rest of the
// name.
type PrefixVar struct {
	Prefix  string
	Get     func(c *Ctx, suffix string) (string, bool)
	NoCache bool
}

var (
	registryMu     sync.Mutex
	builtinVars    []Var
	builtinPrefixV []PrefixVar
)

// RegisterVar adds a variable every configuration knows. Features call it
// from init, the way nginx modules add their variables at start-up.
func RegisterVar(v Var) {
	registryMu.Lock()
	defer registryMu.Unlock()
	builtinVars = append(builtinVars, v)
}

// RegisterPrefixVar adds a family of variables by prefix.
func RegisterPrefixVar(p PrefixVar) {
	registryMu.Lock()
	defer registryMu.Unlock()
	builtinPrefixV = append(builtinPrefixV, p)
}

// VarTable maps variable names to slots for one configuration snapshot.
// Names are resolved when the configuration is built, so a request reads a
// variable by slot index; per-request values live in the Ctx.
type VarTable struct {
	vars   []Var
	index  map[string]int
	prefix []PrefixVar
	// pending holds names used before any feature defined them: nginx
	// resolves variables at the end of the configuration, so "$x" may
	// appear before the map or set that makes it. Check reports those
	// never defined.
	pending map[string]bool
}

// NewVarTable returns a table holding every registered variable.
func NewVarTable() *VarTable {
	registryMu.Lock()
	defer registryMu.Unlock()
	t := &VarTable{index: make(map[string]int, len(builtinVars)+16)}
	for _, v := range builtinVars {
		t.define(v)
	}
	t.prefix = append(t.prefix, builtinPrefixV...)
	return t
}

func (t *VarTable) define(v Var) int {
	name := strings.ToLower(v.Name)
	delete(t.pending, name)
	if i, ok := t.index[name]; ok {
		t.vars[i] = v
		return i
	}
	t.vars = append(t.vars, v)
	t.index[name] = len(t.vars) - 1
	return len(t.vars) - 1
}

// Define adds or replaces a variable (map, split_clients, geo) and returns
// its slot.
func (t *VarTable) Define(v Var) int { return t.define(v) }

// Declare makes sure a plain variable exists ("set $x"), keeping an
// existing definition, and returns its slot.
func (t *VarTable) Declare(name string) int {
	if i, ok := t.index[strings.ToLower(name)]; ok && !t.pending[strings.ToLower(name)] {
		return i
	}
	return t.define(Var{Name: name})
}

// Len is the number of slots.
func (t *VarTable) Len() int { return len(t.vars) }

// Index resolves a variable name (without "$") to its slot. Prefixed
// families get a slot per distinct name. Unknown names fail with nginx's
// wording.
func (t *VarTable) Index(name string) (int, error) {
	lname := strings.ToLower(name)
	if i, ok := t.index[lname]; ok {
		return i, nil
	}
	for _, p := range t.prefix {
		if strings.HasPrefix(lname, p.Prefix) {
			suffix := name[len(p.Prefix):]
			get := p.Get
			return t.define(Var{Name: name, NoCache: p.NoCache, Get: func(c *Ctx) (string, bool) { return get(c, suffix) }}), nil
		}
	}
	// A forward reference: the slot is kept for the feature that will
	// define it; Check fails the configuration if none does.
	i := t.define(Var{Name: name})
	if t.pending == nil {
		t.pending = map[string]bool{}
	}
	t.pending[lname] = true
	return i, nil
}

// Check reports the first variable that was used but never defined, in
// nginx's words: unknown "x" variable.
func (t *VarTable) Check() error {
	first := -1
	for name := range t.pending {
		if i := t.index[name]; first < 0 || i < first {
			first = i
		}
	}
	if first >= 0 {
		return fmt.Errorf("unknown \"%s\" variable", t.vars[first].Name)
	}
	return nil
}

// Has reports whether name is a known (or family) variable.
func (t *VarTable) Has(name string) bool {
	lname := strings.ToLower(name)
	if _, ok := t.index[lname]; ok && !t.pending[lname] {
		return true
	}
	for _, p := range t.prefix {
		if strings.HasPrefix(lname, p.Prefix) {
			return true
		}
	}
	return false
}

// varSlot is a request's value of one variable.
type varSlot struct {
	value string
	state uint8 // 0 unknown, 1 valid, 2 not found
}

// Var returns a variable's value by slot.
func (c *Ctx) Var(slot int) (string, bool) {
	t := c.Config.Vars
	if c.vars == nil {
		c.vars = make([]varSlot, t.Len())
	} else if slot >= len(c.vars) {
		c.vars = append(c.vars, make([]varSlot, t.Len()-len(c.vars))...)
	}
	s := &c.vars[slot]
	if s.state != 0 {
		return s.value, s.state == 1
	}
	v := &t.vars[slot]
	if v.Get == nil {
		return "", false
	}
	val, ok := v.Get(c)
	if !v.NoCache {
		s.value = val
		s.state = 2
		if ok {
			s.state = 1
		}
	}
	return val, ok
}

// SetVar stores a value into a slot (the "set" directive).
func (c *Ctx) SetVar(slot int, value string) {
	t := c.Config.Vars
	if v := &t.vars[slot]; v.Set != nil {
		v.Set(c, value)
		return
	}
	if c.vars == nil || slot >= len(c.vars) {
		c.vars = append(c.vars, make([]varSlot, t.Len()-len(c.vars))...)
	}
	c.vars[slot] = varSlot{value: value, state: 1}
}

// VarByName looks a variable up by name, for scripts and tests; the
// request path uses slots.
func (c *Ctx) VarByName(name string) (string, bool) {
	name = strings.TrimPrefix(name, "$")
	if n, ok := captureIndex(name); ok {
		return c.Capture(n)
	}
	if i, ok := c.Config.Vars.index[strings.ToLower(name)]; ok {
		return c.Var(i)
	}
	for _, p := range c.Config.Vars.prefix {
		if strings.HasPrefix(strings.ToLower(name), p.Prefix) {
			return p.Get(c, name[len(p.Prefix):])
		}
	}
	return "", false
}

func captureIndex(name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
		n = n*10 + int(name[i]-'0')
	}
	return n, true
}

// Template is a string with variables, compiled once: "$scheme://$host$uri",
// "${name}suffix", "$1". nginx calls it a complex value.
type Template struct {
	raw    string
	parts  []tplPart
	static bool
}

type tplPart struct {
	lit     string
	slot    int // -1 for literal
	capture int // >= 0 for $N
}

// CompileTemplate parses s against the table. Text without "$" compiles to
// a static template that evaluates without work.
func (t *VarTable) CompileTemplate(s string) (*Template, error) {
	tpl := &Template{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			tpl.parts = append(tpl.parts, tplPart{lit: lit.String(), slot: -1, capture: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) {
			lit.WriteByte(s[i])
			i++
			continue
		}
		j := i + 1
		var name string
		if s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				return nil, fmt.Errorf("the closing bracket in \"%s\" variable is missing", s[j+1:])
			}
			name = s[j+1 : j+end]
			j += end + 1
		} else if s[j] >= '0' && s[j] <= '9' {
			name = s[j : j+1]
			j++
		} else {
			k := j
			for k < len(s) && isVarNameByte(s[k]) {
				k++
			}
			name = s[j:k]
			j = k
		}
		if name == "" {
			return nil, fmt.Errorf("invalid variable name in \"%s\"", s)
		}
		flush()
		if n, ok := captureIndex(name); ok {
			tpl.parts = append(tpl.parts, tplPart{slot: -1, capture: n})
		} else {
			slot, err := t.Index(name)
			if err != nil {
				return nil, err
			}
			tpl.parts = append(tpl.parts, tplPart{slot: slot, capture: -1})
		}
		i = j
	}
	flush()
	if len(tpl.parts) == 0 {
		tpl.static = true
	} else if len(tpl.parts) == 1 && tpl.parts[0].slot < 0 && tpl.parts[0].capture < 0 {
		tpl.static = true
	}
	return tpl, nil
}

func isVarNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// StaticTemplate returns a template that always evaluates to s.
func StaticTemplate(s string) *Template {
	return &Template{raw: s, static: true, parts: []tplPart{{lit: s, slot: -1, capture: -1}}}
}

// Raw returns the template text as written.
func (t *Template) Raw() string { return t.raw }

// IsStatic reports whether the template has no variables.
func (t *Template) IsStatic() bool { return t.static }

// HasCaptures reports whether the template uses $1..$9.
func (t *Template) HasCaptures() bool {
	for _, p := range t.parts {
		if p.capture >= 0 {
			return true
		}
	}
	return false
}

// Eval computes the template for a request.
func (t *Template) Eval(c *Ctx) string {
	if t.static {
		return t.raw
	}
	if len(t.parts) == 1 {
		return t.parts[0].value(c)
	}
	// values first, then one allocation of the right size
	var small [8]string
	vals := small[:0]
	if len(t.parts) > len(small) {
		vals = make([]string, 0, len(t.parts))
	}
	n := 0
	for i := range t.parts {
		v := t.parts[i].value(c)
		vals = append(vals, v)
		n += len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range vals {
		b.WriteString(v)
	}
	return b.String()
}

func (p *tplPart) value(c *Ctx) string {
	switch {
	case p.slot >= 0:
		v, _ := c.Var(p.slot)
		return v
	case p.capture >= 0:
		v, _ := c.Capture(p.capture)
		return v
	}
	return p.lit
}

// DeclareCaptures declares the named groups of a configuration regex as
// variables, as nginx does for every regex it compiles (location,
// server_name, rewrite, if, map), so later directives may use them;
// MatchRegex sets them when the regex matches.
func (t *VarTable) DeclareCaptures(re *regexp.Regexp) {
	for _, name := range re.SubexpNames() {
		if name != "" {
			t.Declare(name)
		}
	}
}
