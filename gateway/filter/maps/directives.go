package maps

import (
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// pendingTemplate is a map source or value compiled once the whole
// configuration is read: nginx lets a map value name a variable that a
// later map defines.
type pendingTemplate struct {
	n   *conf.Node
	raw string
	dst *gateway.Template
}

type buildState struct{ pending []pendingTemplate }

func state(b *conf.Builder) *buildState {
	return b.State("map", func() any { return &buildState{} }).(*buildState)
}

// later returns a template that Finish fills in.
func later(bl *conf.Block, n *conf.Node, raw string) *gateway.Template {
	t := new(gateway.Template)
	st := state(bl.B)
	st.pending = append(st.pending, pendingTemplate{n: n, raw: raw, dst: t})
	return t
}

var _ = conf.Register(&conf.Module{
	Name: "map",
	Directives: []conf.Directive{
		{Name: "map", Context: conf.HTTP, Args: conf.Take2, Block: true, Raw: true, Set: setMap},
		{Name: "map_hash_max_size", Context: conf.HTTP, Args: conf.Take1, Set: setNum},
		{Name: "map_hash_bucket_size", Context: conf.HTTP, Args: conf.Take1, Set: setNum},
	},
	Finish: func(b *conf.Builder) error {
		st := state(b)
		for _, p := range st.pending {
			t, err := b.Vars().CompileTemplate(p.raw)
			if err != nil {
				return conf.Errorf(p.n, "%v", err)
			}
			*p.dst = *t
		}
		return nil
	},
})

// setNum accepts the hash sizing directives, which a Go map does not
// need, checking their value as nginx does.
func setNum(bl *conf.Block, n *conf.Node) error {
	if err := bl.Once(n); err != nil {
		return err
	}
	if v, err := strconv.Atoi(n.Args[0]); err != nil || v < 0 || strings.TrimLeft(n.Args[0], "0123456789") != "" {
		return conf.DirectiveError(n, "invalid number")
	}
	return nil
}

func setMap(bl *conf.Block, n *conf.Node) error {
	name := n.Args[1]
	if name == "" || name[0] != '$' {
		return conf.Errorf(n, "invalid variable name \"%s\"", name)
	}
	if name == "$" {
		return conf.Errorf(n, "invalid variable name \"$\"")
	}
	vars := bl.B.Vars()
	m := &Map{Source: later(bl, n, n.Args[0])}
	for _, e := range n.Block {
		if e.Block != nil {
			return conf.Errorf(e, "unexpected \"{\"")
		}
		if len(e.Args) == 0 && e.Name == "hostnames" {
			m.Hostnames = true
			continue
		}
		if len(e.Args) == 0 && e.Name == "volatile" {
			m.Volatile = true
			continue
		}
		if len(e.Args) != 1 {
			return conf.Errorf(e, "invalid number of the map parameters")
		}
		value := later(bl, e, e.Args[0])
		if e.Name == "default" {
			if m.Default != nil {
				return conf.Errorf(e, "duplicate default map parameter")
			}
			m.Default = value
			continue
		}
		if err := m.Add(vars, e.Name, value); err != nil {
			return conf.Errorf(e, "%v", err)
		}
	}
	vars.Define(m.Var(name[1:]))
	return nil
}
