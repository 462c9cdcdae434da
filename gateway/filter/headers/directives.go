package headers

import (
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// headersConf is the module's configuration of one level.
type headersConf struct {
	headers    []Header
	expires    Expires
	expiresSet bool
}

// mod is the module's registration, the key to its per-level configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "headers",
		NewConf: func() any { return &headersConf{} },
		Merge: func(parent, child any) error {
			p, c := parent.(*headersConf), child.(*headersConf)
			if !c.expiresSet {
				c.expires, c.expiresSet = p.expires, p.expiresSet
			}
			// add_header lists are inherited only by levels that have none
			// of their own, as in nginx.
			if c.headers == nil {
				c.headers = p.headers
			}
			return nil
		},
		Apply: func(b *conf.Builder, loc *gateway.Location, v any) error {
			hc := v.(*headersConf)
			if f := Filter(Config{Headers: hc.headers, Expires: hc.expires}); f != nil {
				// a fresh slice: levels may share the parent's backing array
				loc.HeaderFilters = append(loc.HeaderFilters[:len(loc.HeaderFilters):len(loc.HeaderFilters)], f)
			}
			return nil
		},
		Directives: []conf.Directive{
			{Name: "add_header", Context: conf.HTTP | conf.Server | conf.Location | conf.LocationIf, Args: conf.Take23, Set: setAddHeader},
			{Name: "expires", Context: conf.HTTP | conf.Server | conf.Location | conf.LocationIf, Args: conf.Take12, Set: setExpires},
		},
	})
}

func setAddHeader(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*headersConf)
	h := Header{Name: n.Args[0]}
	if n.Args[1] != "" {
		tpl, err := bl.Template(n, n.Args[1])
		if err != nil {
			return err
		}
		h.Value = tpl
	}
	if len(n.Args) == 3 {
		if n.Args[2] != "always" {
			return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[2])
		}
		h.Always = true
	}
	c.headers = append(c.headers, h)
	return nil
}

func setExpires(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*headersConf)
	if c.expiresSet {
		return conf.Duplicate(n)
	}
	modified := false
	arg := n.Args[0]
	if len(n.Args) == 2 {
		if n.Args[0] != "modified" {
			return conf.InvalidValue(n)
		}
		modified, arg = true, n.Args[1]
	}
	tpl, err := bl.Template(n, arg)
	if err != nil {
		return err
	}
	if !tpl.IsStatic() {
		c.expires = Expires{Mode: ExpiresAccess, Value: tpl}
		if modified {
			c.expires.Mode = ExpiresModified
		}
	} else {
		e, err := ParseExpires(arg, modified)
		if err != nil {
			return conf.DirectiveError(n, err.Error())
		}
		c.expires = e
	}
	c.expiresSet = true
	return nil
}
