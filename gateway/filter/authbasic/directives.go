package authbasic

import (
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// authConf holds auth_basic and auth_basic_user_file of one level; nil
// means not set here (inherited).
type authConf struct {
	realm    *gateway.Template
	userFile *gateway.Template
	dir      string // configuration directory for relative file names
}

// mod is the module's registration, the key to its per-level configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "auth_basic",
		NewConf: func() any { return &authConf{} },
		Merge: func(parent, child any) error {
			p, c := parent.(*authConf), child.(*authConf)
			if c.realm == nil {
				c.realm = p.realm
			}
			if c.userFile == nil {
				c.userFile, c.dir = p.userFile, p.dir
			}
			return nil
		},
		Apply: func(b *conf.Builder, loc *gateway.Location, v any) error {
			c := v.(*authConf)
			if c.realm == nil || c.userFile == nil {
				return nil
			}
			if c.realm.IsStatic() && c.realm.Raw() == "off" {
				return nil
			}
			loc.Use(gateway.PhaseAccess, &Filter{Realm: c.realm, UserFile: c.userFile, Dir: c.dir})
			return nil
		},
		Directives: []conf.Directive{
			{Name: "auth_basic", Context: authContext, Args: conf.Take1, Set: setRealm},
			{Name: "auth_basic_user_file", Context: authContext, Args: conf.Take1, Set: setUserFile},
		},
	})
}

const authContext = conf.HTTP | conf.Server | conf.Location | conf.LimitExcept

func setRealm(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*authConf)
	if c.realm != nil {
		return conf.Duplicate(n)
	}
	t, err := bl.Template(n, n.Args[0])
	if err != nil {
		return err
	}
	c.realm = t
	return nil
}

func setUserFile(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*authConf)
	if c.userFile != nil {
		return conf.Duplicate(n)
	}
	t, err := bl.Template(n, n.Args[0])
	if err != nil {
		return err
	}
	if t.IsStatic() {
		// Resolved once here; names with variables are resolved per
		// request against the same directory.
		t = gateway.StaticTemplate(bl.B.ConfPath(n.Args[0]))
	}
	c.userFile, c.dir = t, bl.B.ConfPrefix
	return nil
}
