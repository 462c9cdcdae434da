package proxy

import "github.com/gonjet/gonjet/gateway/conf"

// proxy_temp_path names where nginx spills proxied bodies larger than its
// memory buffers. GoNJet streams bodies through bounded memory buffers and
// never writes them to disk, so the directive is checked and kept for
// configurations written for nginx, and has nothing else to do.
var tempPathModule = conf.Register(&conf.Module{
	Name: "proxy_temp_path",
	Directives: []conf.Directive{{
		Name:    "proxy_temp_path",
		Context: conf.HTTP | conf.Server | conf.Location,
		Args:    conf.Take1234,
		Set: func(bl *conf.Block, n *conf.Node) error {
			_, err := conf.ParseTempPath(bl, n)
			return err
		},
	}},
})
