package splitclients

import "github.com/gonjet/gonjet/gateway/conf"

// pendingKey is a split key compiled once the whole configuration is
// read, so that it may name a variable defined further down.
type pendingKey struct {
	n     *conf.Node
	split *Split
}

type buildState struct{ pending []pendingKey }

var _ = conf.Register(&conf.Module{
	Name: "split_clients",
	Directives: []conf.Directive{
		{Name: "split_clients", Context: conf.HTTP, Args: conf.Take2, Block: true, Raw: true, Set: setSplit},
	},
	Finish: func(b *conf.Builder) error {
		st := b.State("split_clients", func() any { return &buildState{} }).(*buildState)
		for _, p := range st.pending {
			t, err := b.Vars().CompileTemplate(p.n.Args[0])
			if err != nil {
				return conf.Errorf(p.n, "%v", err)
			}
			p.split.Key = t
		}
		return nil
	},
})

func setSplit(bl *conf.Block, n *conf.Node) error {
	name := n.Args[1]
	if name == "" || name[0] != '$' {
		return conf.Errorf(n, "invalid variable name \"%s\"", name)
	}
	if name == "$" {
		return conf.Errorf(n, "invalid variable name \"$\"")
	}
	var parts []Part
	for _, e := range n.Block {
		if e.Block != nil {
			return conf.Errorf(e, "unexpected \"{\"")
		}
		if len(e.Args) != 1 {
			return conf.Errorf(e, "invalid number of the split_clients parameters")
		}
		p, err := ParsePercent(e.Name)
		if err != nil {
			return conf.Errorf(e, "%v", err)
		}
		parts = append(parts, Part{Percent: p, Value: e.Args[0]})
	}
	s, err := New(nil, parts)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	st := bl.B.State("split_clients", func() any { return &buildState{} }).(*buildState)
	st.pending = append(st.pending, pendingKey{n: n, split: s})
	bl.B.Vars().Define(s.Var(name[1:]))
	return nil
}
