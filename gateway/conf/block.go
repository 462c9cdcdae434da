package conf

import (
	"fmt"

	"github.com/gonjet/gonjet/gateway"
)

// MainConf holds the main-context settings the njet command needs.
type MainConf struct {
	PidFile         string
	ErrorLog        []string // error_log arguments, first directive wins
	WorkerProcesses string
	Daemon          bool
	MasterProcess   bool
	User            string
}

// Builder turns parsed nodes into a gateway.Config. Features reach it
// from their directive setters and Apply/Finish hooks.
type Builder struct {
	// Config is the snapshot being built.
	Config *gateway.Config
	// Prev is the snapshot being replaced (nil at start-up); features
	// carry state from its Ext.
	Prev *gateway.Config
	// Prefix is the -p prefix (with trailing slash); ConfPrefix is the
	// directory of the main configuration file.
	Prefix     string
	ConfPrefix string
	Main       MainConf

	state map[string]any
}

// Vars is the variable table of the snapshot being built.
func (b *Builder) Vars() *gateway.VarTable { return b.Config.Vars }

// State returns per-build feature state under key, created on first use
// (the upstream registry, shared zones).
func (b *Builder) State(key string, create func() any) any {
	if b.state == nil {
		b.state = map[string]any{}
	}
	v, ok := b.state[key]
	if !ok {
		v = create()
		b.state[key] = v
	}
	return v
}

// Block is one configuration block being built: http, server, location,
// if, limit_except, upstream, ... Directive setters receive the block they
// appear in.
type Block struct {
	B      *Builder
	Ctx    Context
	Parent *Block
	// Node is the block's own directive (nil for the main context).
	Node *Node
	// Server is the enclosing server (nil above server level).
	Server *gateway.Server
	// Loc is the location this block configures: the server Root for a
	// server block, the location for location/if/limit_except blocks.
	Loc *gateway.Location
	// Data is free for Raw block directives (upstream, map) to keep their
	// own object while their inner directives run.
	Data any

	confs []any
}

// Conf returns the module's configuration of this block, creating it on
// first use.
func (bl *Block) Conf(m *Module) any {
	for len(bl.confs) <= m.index {
		bl.confs = append(bl.confs, nil)
	}
	if bl.confs[m.index] == nil && m.NewConf != nil {
		bl.confs[m.index] = m.NewConf()
	}
	return bl.confs[m.index]
}

// Template compiles a string with variables against the snapshot's
// variable table, with the error placed at n.
func (bl *Block) Template(n *Node, s string) (*gateway.Template, error) {
	t, err := bl.B.Vars().CompileTemplate(s)
	if err != nil {
		return nil, Errorf(n, "%v", err)
	}
	return t, nil
}

// Error is a configuration error placed at a file and line, printed as
// nginx does: `unknown directive "x" in /etc/njet/njet.conf:12`.
type Error struct {
	Msg  string
	File string
	Line int
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// Errorf returns an Error placed at n.
func Errorf(n *Node, format string, args ...any) error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.File, e.Line = n.File, n.Line
	}
	return e
}

var modules []*Module

// Register adds a feature's module; call it from the feature package's
// init. It returns the module, which is the key to Block.Conf.
func Register(m *Module) *Module {
	m.index = len(modules)
	modules = append(modules, m)
	return m
}
