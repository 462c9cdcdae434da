package access

import (
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// accessConf is the allow/deny list of one configuration level.
type accessConf struct {
	rules []Rule
}

// mod is the module's registration, the key to its per-level configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "access",
		NewConf: func() any { return &accessConf{} },
		// A level with rules of its own replaces the inherited list; one
		// without any takes its parent's, as nginx merges them.
		Merge: func(parent, child any) error {
			p, c := parent.(*accessConf), child.(*accessConf)
			if len(c.rules) == 0 {
				c.rules = p.rules
			}
			return nil
		},
		// The filter goes first in the access phase, before auth_basic
		// and the others, as nginx orders its access handlers.
		Apply: func(b *conf.Builder, loc *gateway.Location, c any) error {
			if rules := c.(*accessConf).rules; len(rules) > 0 {
				fs := &loc.Phases[gateway.PhaseAccess]
				*fs = append([]gateway.Filter{New(rules)}, *fs...)
			}
			return nil
		},
		Directives: []conf.Directive{
			{Name: "allow", Context: ruleContext, Args: conf.Take1, Set: setRule},
			{Name: "deny", Context: ruleContext, Args: conf.Take1, Set: setRule},
		},
	})
}

const ruleContext = conf.HTTP | conf.Server | conf.Location | conf.LimitExcept

func setRule(bl *conf.Block, n *conf.Node) error {
	r, lowBits, err := ParseRule(n.Name == "deny", n.Args[0])
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	if lowBits {
		bl.B.Warnf(n, "low address bits of %s are meaningless", n.Args[0])
	}
	c := bl.Conf(mod).(*accessConf)
	c.rules = append(c.rules, r)
	return nil
}
