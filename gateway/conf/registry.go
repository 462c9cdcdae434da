package conf

import (
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

// Args says how many arguments a directive takes.
type Args uint32

// Argument counts; combine Take flags with | (Take1|Take2 = one or two).
const (
	NoArgs Args = 1 << iota
	Take1
	Take2
	Take3
	Take4
	Take5
	Take6
	Take7
	// Flag is exactly one argument, "on" or "off".
	Flag
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
	File  string
	Line  int
}

// Directive declares one configuration directive: where it may appear,
// how many arguments it takes, and what it does. A feature package
// registers its directives next to its code.
type Directive struct {
	Name    string
	Context Context
	Args    Args
	// Block directives take a {...} block; the builder interprets the
	// block's directives in the block's own context unless Raw is set, in
	// which case Set reads n.Block itself (map, types, split_clients).
	Block bool
	Raw   bool
	// Set applies the directive. b is the block the directive appears in.
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
