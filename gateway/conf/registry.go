package conf

import (
	"fmt"

	"github.com/gonjet/gonjet/gateway"
)

// Context is a set of places a directive may appear, as nginx's
// NGX_*_CONF flags.
type Context uint32

// The contexts.
const (
	Main Context = 1 << iota
	Events
	HTTP
	Server
	Location
	LocationIf // "if" inside a location
	ServerIf   // "if" inside a server
	LimitExcept
	Upstream
	Stream
	StreamServer
	StreamUpstream
	Types // inside types {}
	Helper
)

// Args says how many arguments a directive takes: an ArgCount (Take1,
// Take12, OneOrMore, ...) or Flag, which stands for exactly one "on" or
// "off" argument. (Flag is also the function setters call to read that
// argument, hence the interface type.)
type Args = any

// ArgCount is a set of accepted argument counts, nginx's NGX_CONF_TAKE*
// flags.
type ArgCount uint32

// Argument counts; combine Take flags with | (Take1|Take2 = one or two).
const (
	NoArgs ArgCount = 1 << iota
	Take1
	Take2
	Take3
	Take4
	Take5
	Take6
	Take7
	// OneOrMore, TwoOrMore: at least that many arguments.
	OneOrMore
	TwoOrMore
	// AnyArgs accepts any count, none included.
	AnyArgs
)

// Common combinations.
const (
	Take12   = Take1 | Take2
	Take13   = Take1 | Take3
	Take23   = Take2 | Take3
	Take123  = Take1 | Take2 | Take3
	Take1234 = Take1 | Take2 | Take3 | Take4
)

// takeN maps an argument count to its Take flag, as nginx's
// argument_number table.
var takeN = [...]ArgCount{NoArgs, Take1, Take2, Take3, Take4, Take5, Take6, Take7}

// argsAccept reports whether a directive declared with a may be given n
// arguments.
func argsAccept(a Args, n int) bool {
	switch v := a.(type) {
	case ArgCount:
		return v.accepts(n)
	case nil:
		return n == 0
	}
	return n == 1 // Flag
}

// validArgs reports whether a is an ArgCount or Flag.
func validArgs(a Args) bool {
	switch a.(type) {
	case ArgCount, nil, func(*Node) (bool, error):
		return true
	}
	return false
}

// accepts checks n against the flags in nginx's order.
func (a ArgCount) accepts(n int) bool {
	switch {
	case a&AnyArgs != 0:
		return true
	case a&OneOrMore != 0:
		return n >= 1
	case a&TwoOrMore != 0:
		return n >= 2
	case a == 0:
		return n == 0
	case n >= len(takeN):
		return false
	}
	return a&takeN[n] != 0
}

// Node is one directive of a configuration file, with its arguments as
// nginx's parser leaves them (quotes removed, escapes applied) and its
// block, if any.
type Node struct {
	Name string
	Args []string
	// Quoted[i] is true when Args[i] was written in quotes.
	Quoted []bool
	// Block is nil for a simple directive; a block directive has a
	// non-nil (possibly empty) slice.
	Block []*Node
	// Code is the verbatim text between the braces of a code block
	// (content_by_lua_block { ... }); Block is then empty, not nil.
	Code string
	// File and Line place the directive: the line is the one where its
	// ";" or "{" was read, which is the line nginx reports. Directives
	// given with -g have File "command line" and Line 0.
	File string
	Line int

	// partial marks a block cut short by a syntax error.
	partial bool
}

// Directive declares one configuration directive: where it may appear,
// how many arguments it takes, and what it does. A feature package
// registers its directives next to its code.
type Directive struct {
	Name    string
	Context Context
	Args    Args
	// Block directives take a {...} block. Set runs the inner directives
	// itself with Block.Nest (giving the inner context) unless Raw is set,
	// in which case Set reads n.Block as data (map, types, split_clients).
	Block bool
	Raw   bool
	// MaybeBlock accepts the directive both with and without a block
	// (OpenNJet's "helper"); n.Block tells which was written.
	MaybeBlock bool
	// Code marks a block whose content is source code in another
	// language (content_by_lua_block): the parser keeps it verbatim in
	// Node.Code instead of reading directives. Raw is implied.
	Code bool
	// Set applies the directive. b is the block the directive appears in.
	// A nil Set accepts the directive and ignores it.
	Set func(b *Block, n *Node) error
}

// Module groups the directives of one feature with its per-level
// configuration, merged from http to server to location as nginx's
// create/merge_loc_conf.
type Module struct {
	Name       string
	Directives []Directive
	// NewConf creates the feature's configuration for one level (http,
	// server, location, if, limit_except). Nil when the feature keeps none.
	NewConf func() any
	// Merge completes child from parent (fields the child did not set).
	// It runs after the whole configuration was read, from the top down,
	// so parent is already complete.
	Merge func(parent, child any) error
	// Apply installs the merged configuration into a location (filters,
	// content handler, header filters). It runs for every location, the
	// server Root, and if/limit_except blocks, parents before children.
	Apply func(b *Builder, loc *gateway.Location, conf any) error
	// Finish runs once after all blocks are built (resolve upstream
	// names, check cross references).
	Finish func(b *Builder) error

	index int
}

// registered is one directive of one module.
type registered struct {
	m *Module
	d *Directive
}

var (
	modules []*Module
	// directives indexes the registry by name; a name may be declared by
	// several modules for different contexts ("server" in http and in
	// upstream), as in nginx.
	directives = map[string][]registered{}
	// registryErrs collects clashes found by Register; every load reports
	// them, so a clash is seen at once without crashing the program.
	registryErrs []string
)

// Register adds a feature's module; call it from the feature package's
// init. It returns the module, which is the key to Block.Conf. Two
// modules declaring the same directive for a common context make every
// load fail with an error naming both.
func Register(m *Module) *Module {
	m.index = len(modules)
	modules = append(modules, m)
	for i := range m.Directives {
		d := &m.Directives[i]
		if d.Code {
			d.Raw, d.Block = true, true
		}
		if !validArgs(d.Args) {
			registryErrs = append(registryErrs, fmt.Sprintf("directive \"%s\" of module \"%s\" has invalid Args %v", d.Name, m.Name, d.Args))
		}
		for _, r := range directives[d.Name] {
			if r.d.Context&d.Context != 0 {
				registryErrs = append(registryErrs, fmt.Sprintf("directive \"%s\" is registered by modules \"%s\" and \"%s\"", d.Name, r.m.Name, m.Name))
			}
		}
		directives[d.Name] = append(directives[d.Name], registered{m: m, d: d})
	}
	return m
}

// isCodeBlock tells the parser whether the block of directive name is
// source code to keep verbatim. Names ending in "_by_lua_block" are code
// even when no module declares them, so that an unknown one is reported
// as an unknown directive, not as a syntax error inside Lua.
func isCodeBlock(name string) bool {
	for _, r := range directives[name] {
		if r.d.Code {
			return true
		}
	}
	return len(name) > len("_by_lua_block") && name[len(name)-len("_by_lua_block"):] == "_by_lua_block"
}
