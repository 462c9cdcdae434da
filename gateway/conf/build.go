package conf

import (
	"errors"
	"io"
	"path/filepath"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// Options tune a load.
type Options struct {
	// Prefix is the -p prefix: relative log, pid and temp paths start
	// there. A trailing slash is added when missing.
	Prefix string
	// ConfPrefix is where relative includes start; LoadFile defaults it
	// to the main file's directory, LoadString to Prefix.
	ConfPrefix string
	// Globals is the -g text: main-context directives applied before the
	// file ("daemon off; pid /tmp/x.pid;").
	Globals string
	// Prev is the snapshot being replaced, for state kept across reloads.
	Prev *gateway.Config
}

// Result is a built configuration. Config is not yet prepared:
// gateway.Gateway.Load (or Config.Prepare) compiles it.
type Result struct {
	Config  *gateway.Config
	Builder *Builder
	// Files lists the configuration files read, main file first, each
	// once, for "njet -T".
	Files []string
	// Nodes is the parsed main file with includes expanded.
	Nodes []*Node

	contents map[string][]byte
}

// Dump writes the files read, as "nginx -T", from the bytes that were
// parsed (a file changed since is shown as it was read).
func (r *Result) Dump(w io.Writer) error {
	for _, name := range r.Files {
		if err := dumpOne(w, name, r.contents[name]); err != nil {
			return err
		}
	}
	return nil
}

// LoadFile reads the configuration file at path (nginx text, or the JSON
// form when the name ends in ".json" or the text is a JSON array),
// following includes, and builds it.
func LoadFile(path string, opt Options) (*Result, error) {
	if opt.ConfPrefix == "" {
		opt.ConfPrefix = filepath.Dir(path) + "/"
	}
	p := newParser(opt.ConfPrefix)
	nodes, err := p.parseFile(path, nil)
	return build(nodes, err, p, opt)
}

// LoadString builds configuration text given in memory (nginx syntax or
// the JSON form).
func LoadString(src string, opt Options) (*Result, error) {
	if opt.ConfPrefix == "" {
		opt.ConfPrefix = opt.Prefix
	}
	p := newParser(opt.ConfPrefix)
	var nodes []*Node
	var err error
	if isJSON("", []byte(src)) {
		nodes, err = p.parseJSON("", []byte(src), nil)
	} else {
		nodes, err = p.parseText("", []byte(src))
	}
	return build(nodes, err, p, opt)
}

// Build builds already parsed nodes (Parse's result) as a main
// configuration.
func Build(nodes []*Node, opt Options) (*Result, error) {
	if opt.ConfPrefix == "" {
		opt.ConfPrefix = opt.Prefix
	}
	return build(nodes, nil, newParser(opt.ConfPrefix), opt)
}

// build builds nodes. When parsing failed with perr, nodes are what was
// read before the syntax error: they are built so that an error nginx
// would meet first is the one reported.
func build(nodes []*Node, perr error, p *parser, opt Options) (*Result, error) {
	if len(registryErrs) > 0 {
		return nil, errors.New(strings.Join(registryErrs, "; "))
	}
	if opt.Prefix != "" && !strings.HasSuffix(opt.Prefix, "/") {
		opt.Prefix += "/"
	}
	cfg := &gateway.Config{Vars: gateway.NewVarTable(), Ext: map[string]any{}}
	b := &Builder{
		Config:     cfg,
		Prev:       opt.Prev,
		Prefix:     opt.Prefix,
		ConfPrefix: opt.ConfPrefix,
		Main:       defaultMainConf(),
		listen:     newListenTable(),
		extra:      newExtra(),
	}
	cfg.Ext[extraKey] = b.extra
	b.root = &Block{B: b, Ctx: Main}
	if opt.Globals != "" {
		globals, gerr := p.parseText(commandLine, []byte(opt.Globals))
		if err := b.root.Run(globals); err != nil && !errors.Is(err, errPartial) {
			return nil, err
		}
		if gerr != nil {
			return nil, gerr
		}
	}
	if err := b.root.Run(nodes); err != nil && !errors.Is(err, errPartial) {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	if err := b.root.finish(); err != nil {
		return nil, err
	}
	for _, m := range modules {
		if m.Finish != nil {
			if err := m.Finish(b); err != nil {
				return nil, err
			}
		}
	}
	// nginx resolves variable names once everything is read, so a name
	// may be used before the directive that defines it; one never defined
	// fails the load without a position, as in nginx.
	if err := cfg.Vars.Check(); err != nil {
		return nil, err
	}
	return &Result{Config: cfg, Builder: b, Files: p.files, Nodes: nodes, contents: p.contents}, nil
}
