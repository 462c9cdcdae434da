package maps

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gonjet/gonjet/gateway"
)

// Map computes a variable's value by looking another value up in a
// table. The table is built once; a request evaluates Source, finds the
// entry and evaluates the entry's value, which may itself hold variables
// and regex captures.
//
// Lookup order, as nginx's map: exact keys (case-insensitive), then, with
// Hostnames, the longest matching "*.example.com" or ".example.com" entry,
// then the longest "www.example.*" entry, then regular expressions in the
// order they were added. Nothing matching gives Default (empty when nil).
type Map struct {
	// Source is the value looked up ("$http_host", "$uri$args").
	Source *gateway.Template
	// Default is the value when no entry matches; nil means "".
	Default *gateway.Template
	// Hostnames makes the following Add calls read "*.example.com",
	// ".example.com" and "example.*" keys as wildcards, and lookups
	// ignore a trailing dot of the source value.
	Hostnames bool
	// Volatile recomputes the variable at every use instead of once per
	// request.
	Volatile bool

	exact map[string]*gateway.Template
	// head are "*.example.com" and ".example.com" keys, longest suffix
	// first; tail are "www.example.*" keys, longest prefix first.
	head    []wildcard
	tail    []wildcard
	regexes []regexEntry
	// seen remembers, for keys met before, which regex matched (-1 for
	// none), so a repeated key (a User-Agent) runs at most the one regex
	// that matches, for its captures; see regexFor.
	seen regexMemo
}

// regexMemo maps a key to the index of the first regex matching it. It
// is bounded: once full it stops learning, and lookups of new keys run
// the regexes as before. The answer for a key never changes, since the
// regexes do not, so sharing it between requests changes no result.
type regexMemo struct {
	known atomic.Pointer[map[string]int] // read without locking; replaced whole
	mu    sync.Mutex                     // serialises the (rare) updates
}

const regexMemoSize = 4096

type wildcard struct {
	// part is ".example.com" for head keys, "www.example." for tail keys.
	part string
	// dot is true for ".example.com", which also matches "example.com".
	dot   bool
	value *gateway.Template
}

type regexEntry struct {
	re    *regexp.Regexp
	name  string
	value *gateway.Template
}

// ErrConflict is returned by Add for a key the map already has.
type ErrConflict struct{ Key string }

func (e *ErrConflict) Error() string { return fmt.Sprintf("conflicting parameter \"%s\"", e.Key) }

// Add adds an entry the way a line of a map block reads: "~regex" and
// "~*regex" (caseless) are regular expressions, a leading '\' is dropped
// (to write a key starting with '~' or named like a keyword), and with
// Hostnames set wildcard keys are recognised. vars, when not nil, gets the
// named captures of regexes declared as variables.
func (m *Map) Add(vars *gateway.VarTable, key string, value *gateway.Template) error {
	if strings.HasPrefix(key, "~") {
		expr, caseless := key[1:], false
		if strings.HasPrefix(expr, "*") {
			expr, caseless = expr[1:], true
		}
		pattern := expr
		if caseless {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("pcre2_compile() failed: %s in \"%s\"", regexErrText(err), pattern)
		}
		if vars != nil {
			vars.DeclareCaptures(re)
		}
		m.regexes = append(m.regexes, regexEntry{re: re, name: pattern, value: value})
		return nil
	}
	key = strings.TrimPrefix(key, "\\")
	if m.Hostnames {
		return m.addHostname(key, value)
	}
	return m.addExact(key, key, value)
}

func (m *Map) addExact(key, written string, value *gateway.Template) error {
	if m.exact == nil {
		m.exact = map[string]*gateway.Template{}
	}
	key = string(appendLower(nil, key))
	if _, dup := m.exact[key]; dup {
		return &ErrConflict{Key: written}
	}
	m.exact[key] = value
	return nil
}

// addHostname checks and files a key as nginx's hash does for server
// names: at most one '*', no "..", and a '*' only as "*." in front or ".*"
// at the end.
func (m *Map) addHostname(key string, value *gateway.Template) error {
	stars := strings.Count(key, "*")
	if stars > 1 || strings.Contains(key, "..") || strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("invalid hostname or wildcard \"%s\"", key)
	}
	lkey := string(appendLower(nil, key))
	switch {
	case len(key) > 1 && key[0] == '.':
		// ".example.com" claims "example.com" in the exact table too.
		if _, dup := m.exact[lkey[1:]]; dup {
			return &ErrConflict{Key: key}
		}
		if err := m.addWild(&m.head, wildcard{part: lkey, dot: true, value: value}, key); err != nil {
			return err
		}
		return m.addExact(lkey[1:], key, value)
	case len(key) > 2 && key[0] == '*' && key[1] == '.':
		return m.addWild(&m.head, wildcard{part: lkey[1:], value: value}, key)
	case len(key) > 2 && strings.HasSuffix(key, ".*"):
		return m.addWild(&m.tail, wildcard{part: lkey[:len(lkey)-1], value: value}, key)
	case stars > 0:
		return fmt.Errorf("invalid hostname or wildcard \"%s\"", key)
	}
	return m.addExact(key, key, value)
}

// addWild files a wildcard, keeping the list ordered longest first
// (entries of equal length in the order they were added), so that a
// lookup takes the most specific match.
func (m *Map) addWild(list *[]wildcard, w wildcard, written string) error {
	at := len(*list)
	for i, o := range *list {
		if o.part == w.part && o.dot == w.dot {
			return &ErrConflict{Key: written}
		}
		if at == len(*list) && len(o.part) < len(w.part) {
			at = i
		}
	}
	*list = append(*list, wildcard{})
	copy((*list)[at+1:], (*list)[at:])
	(*list)[at] = w
	return nil
}

// Lookup computes the map's value for a request.
func (m *Map) Lookup(c *gateway.Ctx) string {
	key := ""
	if m.Source != nil {
		key = m.Source.Eval(c)
	}
	if m.Hostnames && key != "" && key[len(key)-1] == '.' {
		key = key[:len(key)-1]
	}
	v := m.find(c, key)
	if v == nil {
		v = m.Default
	}
	if v == nil {
		return ""
	}
	return v.Eval(c)
}

func (m *Map) find(c *gateway.Ctx, key string) *gateway.Template {
	if len(m.exact) > 0 || len(m.head) > 0 || len(m.tail) > 0 {
		// the key lowered on the stack: a User-Agent or a Host in mixed
		// case costs no allocation
		var room [256]byte
		if v, ok := m.findFixed(appendLower(room[:0], key)); ok {
			return v
		}
	}
	if key == "" {
		return nil
	}
	if len(m.regexes) == 0 {
		return nil
	}
	i := m.regexFor(key)
	if i < 0 {
		return nil
	}
	r := &m.regexes[i]
	// A pattern without groups leaves earlier captures alone, as nginx's
	// regex execution does; one with groups sets them.
	if r.re.NumSubexp() > 0 {
		c.MatchRegex(r.re, key)
	}
	return r.value
}

// regexFor returns the index of the first regex matching key, -1 when
// none does, from the memo when the key was met before.
func (m *Map) regexFor(key string) int {
	known := m.seen.known.Load()
	if known != nil {
		if i, ok := (*known)[key]; ok {
			return i
		}
	}
	found := -1
	for i := range m.regexes {
		if m.regexes[i].re.MatchString(key) {
			found = i
			break
		}
	}
	if known == nil || len(*known) < regexMemoSize {
		m.seen.learn(key, found)
	}
	return found
}

// learn adds a key by copying the table, so that readers never lock.
func (r *regexMemo) learn(key string, i int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.known.Load()
	next := make(map[string]int, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	// the key may live in a request's buffer: keep a copy
	next[strings.Clone(key)] = i
	r.known.Store(&next)
}

func lenOf(m *map[string]int) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// findFixed looks the lowered key up among the exact and wildcard keys.
// Converting lkey for the map index and the comparisons allocates
// nothing.
func (m *Map) findFixed(lkey []byte) (*gateway.Template, bool) {
	if v, ok := m.exact[string(lkey)]; ok {
		return v, true
	}
	for i := range m.head {
		w := &m.head[i]
		if len(lkey) > len(w.part) && string(lkey[len(lkey)-len(w.part):]) == w.part {
			return w.value, true
		}
	}
	for i := range m.tail {
		w := &m.tail[i]
		if len(lkey) > len(w.part) && string(lkey[:len(w.part)]) == w.part {
			return w.value, true
		}
	}
	return nil, false
}

// appendLower appends s in ASCII lower case to b.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b = append(b, ch)
	}
	return b
}

// Var returns the definition of the variable name (without '$') that
// holds the map's result, for gateway.VarTable.Define.
func (m *Map) Var(name string) gateway.Var {
	return gateway.Var{
		Name:    name,
		NoCache: m.Volatile,
		Get:     func(c *gateway.Ctx) (string, bool) { return m.Lookup(c), true },
	}
}

// regexErrText is Go's regexp error without its "error parsing regexp"
// prefix, which nginx's message has no equivalent for.
func regexErrText(err error) string {
	if se, ok := err.(*syntax.Error); ok {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}
