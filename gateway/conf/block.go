package conf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// MainConf holds the main-context (and events{}) settings the njet command
// needs to run the process. Fields keep nginx's defaults when the
// configuration does not set them.
type MainConf struct {
	PidFile         string
	ErrorLog        []string // error_log arguments, first directive wins
	WorkerProcesses string   // "auto" or a number; "1" by default
	Daemon          bool     // on by default
	MasterProcess   bool     // on by default
	User            string
	Group           string

	WorkerRlimitNofile    int
	WorkerRlimitCore      int64
	WorkerPriority        int
	WorkerCPUAffinity     []string
	WorkerShutdownTimeout time.Duration
	WorkingDirectory      string
	TimerResolution       time.Duration
	LockFile              string
	PcreJit               bool
	// Env lists the env directives: "NAME" keeps an inherited variable,
	// "NAME=value" sets one.
	Env []string
	// Modules lists load_module paths. Features are compiled in, so the
	// paths are only recorded.
	Modules []string
	// Helpers lists OpenNJet's copilot processes ("helper ctrl so conf").
	Helpers []HelperSpec
	// ClusterName and NodeName identify the node in an OpenNJet cluster.
	ClusterName string
	NodeName    string
	ThreadPools []ThreadPool

	// From events{}.
	WorkerConnections int // 512 by default
	EventsUse         string
	MultiAccept       bool
	AcceptMutex       bool
	AcceptMutexDelay  time.Duration
	DebugConnections  []string
	HasEvents         bool
}

// HelperSpec is one OpenNJet "helper" directive: a named copilot, the module
// file that implements it in OpenNJet and its own configuration file.
type HelperSpec struct {
	Name   string
	Module string
	Conf   string
	// Args holds any further arguments; Block the directive's block, when
	// it was written with one.
	Args  []string
	Block []*Node
	Node  *Node
}

// ThreadPool is one thread_pool directive.
type ThreadPool struct {
	Name     string
	Threads  int
	MaxQueue int
}

func defaultMainConf() MainConf {
	return MainConf{
		WorkerProcesses:   "1",
		Daemon:            true,
		MasterProcess:     true,
		WorkerConnections: 512,
		AcceptMutexDelay:  500 * time.Millisecond,
	}
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
	// directory of the main configuration file (with trailing slash).
	Prefix     string
	ConfPrefix string
	Main       MainConf
	// Warnings collects nginx's [warn] messages, placed like errors.
	Warnings []string

	state  map[string]any
	root   *Block
	listen *listenTable
	extra  *Extra
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

// Warnf records a warning placed at n, as nginx's "[warn]" lines during
// start-up. Warnings do not stop the build.
func (b *Builder) Warnf(n *Node, format string, args ...any) {
	b.Warnings = append(b.Warnings, Errorf(n, format, args...).Error())
}

// Path resolves a file name the way nginx resolves log and pid files:
// relative names are taken from the prefix.
func (b *Builder) Path(name string) string { return fullName(b.Prefix, name) }

// ConfPath resolves a file name the way nginx resolves included files and
// certificates: relative names are taken from the configuration
// directory.
func (b *Builder) ConfPath(name string) string { return fullName(b.ConfPrefix, name) }

func fullName(prefix, name string) string {
	if name == "" || filepath.IsAbs(name) || prefix == "" {
		return name
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + name
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
	// server block, the location for location/if/limit_except blocks. A
	// block nested without a location of its own (upstream, a server-level
	// if) sees its parent's.
	Loc *gateway.Location
	// Data is free for Raw block directives (upstream, map) to keep their
	// own object while their inner directives run.
	Data any

	confs    []any
	children []*Block
	seen     map[string]bool
	// own is set when the block configures Loc itself: its module
	// configurations are merged from the parent's and applied to Loc.
	own bool
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

// Once returns `"name" directive is duplicate` when n's directive already
// appeared in this block, and records it otherwise. Setters of directives
// that may be given once per level use it.
func (bl *Block) Once(n *Node) error {
	if bl.seen[n.Name] {
		return Duplicate(n)
	}
	if bl.seen == nil {
		bl.seen = map[string]bool{}
	}
	bl.seen[n.Name] = true
	return nil
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

// Nest runs the directives of n.Block in a new child block of context
// ctx. Every child block gets its own configuration of every module. When
// loc is not nil those are merged from bl's once the whole configuration
// is read, and each module's Apply installs them into loc (parents before
// children); when loc is nil they are not merged and the child's Loc is
// bl's. data is stored in the child's Data for the inner directives (an
// upstream being built).
func (bl *Block) Nest(n *Node, ctx Context, loc *gateway.Location, data any) (*Block, error) {
	child := bl.newChild(n, ctx, loc, data)
	return child, child.Run(n.Block)
}

// errPartial stops the build at a block a syntax error cut short, once
// its directives ran without error: the syntax error is then reported.
var errPartial = errors.New("partial block")

func (bl *Block) newChild(n *Node, ctx Context, loc *gateway.Location, data any) *Block {
	child := &Block{B: bl.B, Ctx: ctx, Parent: bl, Node: n, Server: bl.Server, Loc: bl.Loc, Data: data}
	if loc != nil {
		child.Loc, child.own = loc, true
		if loc.Server != nil {
			child.Server = loc.Server
		}
	}
	bl.children = append(bl.children, child)
	return child
}

// Run interprets nodes as directives of this block, in order, stopping at
// the first error.
func (bl *Block) Run(nodes []*Node) error {
	for _, n := range nodes {
		if err := bl.run(n); err != nil {
			return err
		}
	}
	if bl.Node != nil && bl.Node.partial {
		return errPartial
	}
	return nil
}

// run looks n up, checks its context, block and argument count with
// nginx's messages, and calls its setter.
func (bl *Block) run(n *Node) error {
	cands := directives[n.Name]
	if len(cands) == 0 {
		return Errorf(n, "unknown directive \"%s\"", n.Name)
	}
	var d *Directive
	for _, r := range cands {
		if r.d.Context&bl.Ctx != 0 {
			d = r.d
			break
		}
	}
	if d == nil {
		return Errorf(n, "\"%s\" directive is not allowed here", n.Name)
	}
	if !d.MaybeBlock {
		if !d.Block && n.Block != nil {
			return Errorf(n, "directive \"%s\" is not terminated by \";\"", n.Name)
		}
		if d.Block && n.Block == nil {
			return Errorf(n, "directive \"%s\" has no opening \"{\"", n.Name)
		}
	}
	if !argsAccept(d.Args, len(n.Args)) {
		return Errorf(n, "invalid number of arguments in \"%s\" directive", n.Name)
	}
	if d.Set == nil {
		return nil
	}
	if err := d.Set(bl, n); err != nil {
		if errors.Is(err, errPartial) {
			return errPartial
		}
		return placed(n, err)
	}
	if n.partial {
		// A Raw block's setter read what there was of it.
		return errPartial
	}
	return nil
}

// finish merges every module's configuration down the block tree and
// applies it to the locations, parents first.
func (bl *Block) finish() error {
	for _, c := range bl.children {
		if c.own {
			for _, m := range modules {
				if m.Merge == nil || m.NewConf == nil {
					continue
				}
				if err := m.Merge(bl.Conf(m), c.Conf(m)); err != nil {
					return placed(c.Node, err)
				}
			}
			for _, m := range modules {
				if m.Apply == nil {
					continue
				}
				if err := m.Apply(bl.B, c.Loc, c.Conf(m)); err != nil {
					return placed(c.Node, err)
				}
			}
		}
		if err := c.finish(); err != nil {
			return err
		}
	}
	return nil
}

// euid is the effective user id; a variable so tests can pretend.
var euid, defaultEuid = os.Geteuid, os.Geteuid
