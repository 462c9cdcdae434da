package rewrite

import (
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// levelConf is the module's configuration of one level: the script of
// the directives written at that level (never inherited) and the two
// switches (inherited).
type levelConf struct {
	script *Script
	log    int8 // -1 unset
	warn   int8 // -1 unset
}

// warnKey finds a location's uninitialized_variable_warn at request time.
var warnKey = gateway.NewExtKey()

// buildState is what the module keeps while one configuration is built.
type buildState struct {
	// pending are the steps whose variables are resolved in Finish.
	pending []pendingBind
	// ifs are the locations made for "if" blocks.
	ifs []*gateway.Location
}

type pendingBind struct {
	n *conf.Node
	b binder
}

func state(b *conf.Builder) *buildState {
	return b.State("rewrite", func() any { return &buildState{} }).(*buildState)
}

// mod is the module's registration, the key to its per-block
// configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(module())
}

func module() *conf.Module {
	return &conf.Module{
		Name:    "rewrite",
		NewConf: func() any { return &levelConf{log: -1, warn: -1} },
		Merge: func(parent, child any) error {
			p, c := parent.(*levelConf), child.(*levelConf)
			if c.log < 0 {
				c.log = p.log
			}
			if c.warn < 0 {
				c.warn = p.warn
			}
			return nil
		},
		Apply:  apply,
		Finish: finish,
		Directives: []conf.Directive{
			{Name: "rewrite", Context: scriptContexts, Args: conf.Take23, Set: setRewrite},
			{Name: "return", Context: scriptContexts, Args: conf.Take12, Set: setReturn},
			{Name: "break", Context: scriptContexts, Args: conf.NoArgs, Set: func(bl *conf.Block, n *conf.Node) error {
				return addStep(bl, n, Break{})
			}},
			{Name: "if", Context: conf.Server | conf.Location, Args: conf.OneOrMore, Block: true, Set: setIf},
			{Name: "set", Context: scriptContexts, Args: conf.Take2, Set: setSet},
			{Name: "rewrite_log", Context: conf.HTTP | scriptContexts, Args: conf.Flag, Set: func(bl *conf.Block, n *conf.Node) error {
				return setFlag(bl, n, &bl.Conf(mod).(*levelConf).log)
			}},
			{Name: "uninitialized_variable_warn", Context: conf.HTTP | scriptContexts, Args: conf.Flag, Set: func(bl *conf.Block, n *conf.Node) error {
				return setFlag(bl, n, &bl.Conf(mod).(*levelConf).warn)
			}},
		},
	}
}

// scriptContexts are the places a script directive may appear.
const scriptContexts = conf.Server | conf.ServerIf | conf.Location | conf.LocationIf

func setFlag(bl *conf.Block, n *conf.Node, dst *int8) error {
	if *dst >= 0 {
		return conf.Duplicate(n)
	}
	on, err := conf.Flag(n)
	if err != nil {
		return err
	}
	*dst = 0
	if on {
		*dst = 1
	}
	return nil
}

// addStep appends a step to the script being written: the enclosing if
// block's when inside one (nginx compiles an if block's directives into
// its parent's code), else the level's own.
func addStep(bl *conf.Block, n *conf.Node, s Step) error {
	if ifs, ok := bl.Data.(*If); ok && bl.Ctx&(conf.LocationIf|conf.ServerIf) != 0 {
		ifs.Steps = append(ifs.Steps, s)
	} else {
		lc := bl.Conf(mod).(*levelConf)
		if lc.script == nil {
			lc.script = &Script{}
		}
		lc.script.Steps = append(lc.script.Steps, s)
	}
	if b, ok := s.(binder); ok {
		st := state(bl.B)
		st.pending = append(st.pending, pendingBind{n: n, b: b})
	}
	return nil
}

func setRewrite(bl *conf.Block, n *conf.Node) error {
	flag := FlagNone
	badFlag := false
	if len(n.Args) == 3 {
		switch n.Args[2] {
		case "last":
			flag = FlagLast
		case "break":
			flag = FlagBreak
		case "redirect":
			flag = FlagRedirect
		case "permanent":
			flag = FlagPermanent
		default:
			badFlag = true
		}
	}
	r, err := parseRewrite(bl.B.Vars(), n.Args[0], n.Args[1], flag)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	if badFlag {
		return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[2])
	}
	return addStep(bl, n, r)
}

func setReturn(bl *conf.Block, n *conf.Node) error {
	arg := n.Args[0]
	r := &Return{}
	code, err := atoi(arg)
	switch {
	case err == nil && code <= 999:
		r.Code = code
		if len(n.Args) == 2 {
			r.text = n.Args[1]
		}
	case err != nil && len(n.Args) == 1 && (strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "$scheme")):
		r.Code, r.text = 302, arg
	default:
		return conf.Errorf(n, "invalid return code \"%s\"", arg)
	}
	return addStep(bl, n, r)
}

// atoi accepts digits only, as nginx's ngx_atoi.
func atoi(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}

func setSet(bl *conf.Block, n *conf.Node) error {
	name := n.Args[0]
	if name == "" || name[0] != '$' {
		return conf.Errorf(n, "invalid variable name \"%s\"", name)
	}
	if name == "$" {
		return conf.Errorf(n, "invalid variable name \"$\"")
	}
	s := &Set{Var: declare(bl.B.Vars(), name[1:], warnUninitialized), value: n.Args[1]}
	return addStep(bl, n, s)
}

// warnUninitialized logs a read of a "set" variable no directive has set
// yet, when the request's location has uninitialized_variable_warn on.
func warnUninitialized(c *gateway.Ctx, name string) {
	if c.Loc == nil {
		return
	}
	if on, _ := c.Loc.ExtValue(warnKey).(bool); on {
		c.Logf(gateway.LevelWarn, "using uninitialized \"%s\" variable", name)
	}
}

func setIf(bl *conf.Block, n *conf.Node) error {
	cond, err := parseCond(bl.B.Vars(), n.Args)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	s := &If{Cond: cond}
	if err := addStep(bl, n, s); err != nil {
		return err
	}
	ctx := conf.ServerIf
	if bl.Ctx == conf.Location {
		// The block gets a location of its own, which replaces the
		// enclosing one while the condition holds; at server level nginx
		// only runs the inner directives.
		ctx = conf.LocationIf
		s.Loc = gateway.NewLocation(gateway.MatchIf, bl.Loc.Name)
		bl.Loc.Add(s.Loc)
		st := state(bl.B)
		st.ifs = append(st.ifs, s.Loc)
	}
	_, err = bl.Nest(n, ctx, s.Loc, s)
	return err
}

// apply installs a level's script: server-level directives run in the
// server-rewrite phase, location-level ones in the rewrite phase. The
// directives of if blocks are part of their parent's script.
func apply(b *conf.Builder, loc *gateway.Location, c any) error {
	lc := c.(*levelConf)
	loc.SetExt(warnKey, lc.warn != 0)
	if lc.script == nil || len(lc.script.Steps) == 0 {
		return nil
	}
	lc.script.Log = lc.log == 1
	switch loc.Match {
	case gateway.MatchServer:
		loc.Use(gateway.PhaseServerRewrite, lc.script)
	case gateway.MatchIf, gateway.MatchLimitExcept:
	default:
		loc.Use(gateway.PhaseRewrite, lc.script)
	}
	return nil
}

// finish resolves the variables of every step, now that all directives
// that define variables have run, and gives if blocks without a content
// handler of their own the enclosing location's, as nginx keeps the
// location's handler when an if block sets none.
func finish(b *conf.Builder) error {
	st := state(b)
	for _, p := range st.pending {
		if err := p.b.bind(b.Vars()); err != nil {
			return conf.Errorf(p.n, "%v", err)
		}
	}
	for _, loc := range st.ifs {
		if loc.Content == nil && loc.Parent != nil {
			loc.Content = loc.Parent.Content
		}
	}
	return nil
}
