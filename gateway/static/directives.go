package static

import (
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// staticConf is the module's configuration of one level; nil pointers
// and zero values mean "not set here" until Merge.
type staticConf struct {
	root       *gateway.Template
	alias      bool
	aliasLen   int
	aliasRegex bool

	index    []*gateway.Template
	tryFiles *TryFiles // not inherited, as in nginx

	autoindex, exactSize, localtime *bool
	format                          string
}

// mod is the module's registration, the key to its per-level configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "static",
		NewConf: func() any { return &staticConf{} },
		Merge: func(parent, child any) error {
			p, c := parent.(*staticConf), child.(*staticConf)
			if c.root == nil {
				c.root, c.alias, c.aliasLen, c.aliasRegex = p.root, p.alias, p.aliasLen, p.aliasRegex
			}
			if c.index == nil {
				c.index = p.index
			}
			mergeFlag(&c.autoindex, p.autoindex)
			mergeFlag(&c.exactSize, p.exactSize)
			mergeFlag(&c.localtime, p.localtime)
			if c.format == "" {
				c.format = p.format
			}
			return nil
		},
		Apply: func(b *conf.Builder, loc *gateway.Location, v any) error {
			sc := v.(*staticConf)
			cfg := &Config{
				Prefix:   b.Prefix,
				Index:    sc.index,
				TryFiles: sc.tryFiles,
				Autoindex: Autoindex{
					On:        flagValue(sc.autoindex, false),
					Format:    sc.format,
					ExactSize: flagValue(sc.exactSize, true),
					Localtime: flagValue(sc.localtime, false),
				},
			}
			if sc.alias {
				cfg.Alias, cfg.AliasLen, cfg.AliasRegex = sc.root, sc.aliasLen, sc.aliasRegex
			} else {
				cfg.Root = sc.root
			}
			attach(loc, cfg)
			return nil
		},
		// Content handlers are chosen once every module has applied its
		// settings, so that the static handler is only the fallback.
		Finish: func(b *conf.Builder) error {
			for _, s := range b.Config.Servers {
				if s.Root != nil {
					setContent(s.Root)
				}
			}
			return nil
		},
		Directives: []conf.Directive{
			{Name: "root", Context: conf.HTTP | conf.Server | conf.Location | conf.LocationIf, Args: conf.Take1, Set: setRoot},
			{Name: "alias", Context: conf.Location, Args: conf.Take1, Set: setRoot},
			{Name: "index", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.OneOrMore, Set: setIndex},
			{Name: "try_files", Context: conf.Server | conf.Location, Args: conf.TwoOrMore, Set: setTryFiles},
			{Name: "autoindex", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Flag, Set: flagSetter(func(c *staticConf) **bool { return &c.autoindex })},
			{Name: "autoindex_exact_size", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Flag, Set: flagSetter(func(c *staticConf) **bool { return &c.exactSize })},
			{Name: "autoindex_localtime", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Flag, Set: flagSetter(func(c *staticConf) **bool { return &c.localtime })},
			{Name: "autoindex_format", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Take1, Set: setFormat},
		},
	})
}

// setContent makes the static handler the content handler of every
// location that has none, and gives if and limit_except blocks without
// one the handler of the location they are in, as nginx keeps the
// location's handler while such a block applies.
func setContent(loc *gateway.Location) {
	if loc.Content == nil {
		switch {
		case loc.Match == gateway.MatchIf || loc.Match == gateway.MatchLimitExcept:
			if loc.Parent != nil {
				loc.Content = loc.Parent.Content
			}
		case ConfigOf(loc) != nil:
			loc.Content = Handler
		}
	}
	for _, ch := range loc.Children {
		if ch.Parent == nil {
			ch.Parent = loc
		}
		setContent(ch)
	}
	if le := loc.LimitExcept; le != nil {
		if le.Parent == nil {
			le.Parent = loc
		}
		setContent(le)
	}
}

func mergeFlag(c **bool, p *bool) {
	if *c == nil {
		*c = p
	}
}

func flagValue(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func flagSetter(field func(*staticConf) **bool) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		c := bl.Conf(mod).(*staticConf)
		f := field(c)
		if *f != nil {
			return conf.Duplicate(n)
		}
		on, err := conf.Flag(n)
		if err != nil {
			return err
		}
		*f = &on
		return nil
	}
}

// setRoot handles root and alias.
func setRoot(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*staticConf)
	alias := n.Name == "alias"
	if c.root != nil {
		if c.alias == alias {
			return conf.Duplicate(n)
		}
		earlier := "root"
		if c.alias {
			earlier = "alias"
		}
		return conf.Errorf(n, "\"%s\" directive is duplicate, \"%s\" directive was specified earlier", n.Name, earlier)
	}
	loc := bl.Loc
	if alias && loc != nil && loc.Match == gateway.MatchNamed {
		return conf.Errorf(n, "the \"alias\" directive cannot be used inside the named location")
	}
	v := n.Args[0]
	for _, bad := range [...]string{"document_root", "realpath_root"} {
		if strings.Contains(v, "$"+bad) || strings.Contains(v, "${"+bad+"}") {
			return conf.Errorf(n, "the $%s variable cannot be used in the \"%s\" directive", bad, n.Name)
		}
	}
	if !alias && strings.HasSuffix(v, "/") {
		v = v[:len(v)-1]
		if v == "" {
			// root "/" maps URIs onto the file system root as they are
			v = "/"
		}
	}
	tpl, err := bl.Template(n, v)
	if err != nil {
		return err
	}
	c.root, c.alias = tpl, alias
	if alias && loc != nil {
		switch loc.Match {
		case gateway.MatchRegex, gateway.MatchRegexCaseless:
			c.aliasRegex = true
		default:
			c.aliasLen = len(loc.Name)
		}
	}
	return nil
}

func setIndex(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*staticConf)
	for i, a := range n.Args {
		if strings.HasPrefix(a, "/") && i != len(n.Args)-1 {
			return conf.Errorf(n, "only the last index in \"index\" directive may be absolute")
		}
		if a == "" {
			return conf.Errorf(n, "index \"%s\" in \"index\" directive is invalid", n.Args[0])
		}
		tpl, err := bl.Template(n, a)
		if err != nil {
			return err
		}
		c.index = append(c.index, tpl)
	}
	return nil
}

func setTryFiles(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*staticConf)
	if c.tryFiles != nil {
		return conf.Duplicate(n)
	}
	tf := &TryFiles{}
	last := len(n.Args) - 1
	for _, a := range n.Args[:last] {
		f := TryFile{}
		if strings.HasSuffix(a, "/") {
			f.Dir = true
			a = a[:len(a)-1]
		}
		tpl, err := bl.Template(n, a)
		if err != nil {
			return err
		}
		f.Name = tpl
		tf.Files = append(tf.Files, f)
	}
	fb := n.Args[last]
	if strings.HasPrefix(fb, "=") {
		code, err := strconv.Atoi(fb[1:])
		if err != nil || code < 0 || code > 999 || fb[1] == '+' || fb[1] == '-' {
			return conf.Errorf(n, "invalid code \"%s\"", fb)
		}
		tf.Code = code
	} else {
		tpl, err := bl.Template(n, fb)
		if err != nil {
			return err
		}
		tf.Fallback = tpl
	}
	c.tryFiles = tf
	return nil
}

func setFormat(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*staticConf)
	if c.format != "" {
		return conf.Duplicate(n)
	}
	switch v := n.Args[0]; v {
	case "html", "xml", "json", "jsonp":
		c.format = v
	default:
		return conf.Errorf(n, "invalid value \"%s\"", v)
	}
	return nil
}
