// Package conf reads nginx / OpenNJet configuration files (njet.conf,
// nginx.conf, and OpenNJet's JSON form) and builds a gateway.Config from
// them. It is an adapter: every setting it knows can also be made in Go
// on the gateway types directly.
//
// Reading follows nginx exactly: the same tokenizer (quotes, escapes,
// "${var}", comments), include with glob patterns relative to the
// configuration directory, and the same error messages with file and
// line, so that "njet -t" prints what "nginx -t" would:
//
//	unknown directive "lisen" in /etc/njet/njet.conf:12
//	"listen" directive is not allowed here in /etc/njet/njet.conf:3
//	invalid number of arguments in "root" directive in /etc/njet/njet.conf:20
//
// Each feature package registers its directives with Register from its
// init function, the way each nginx module carries its command table:
// where a directive may appear, how many arguments it takes, and a setter.
// The feature keeps one configuration value per level (http, server,
// location, if, limit_except); the builder creates them, merges them from
// the outer levels down once the whole file is read (nginx's merge_loc_conf)
// and calls the feature's Apply for every location so it can install its
// filters. This package itself registers nginx's core module: events,
// http, server, listen, server_name, location, limit_except, types,
// error_page and the connection and request settings.
//
// Loading a configuration:
//
//	res, err := conf.LoadFile("/etc/njet/njet.conf", conf.Options{Prefix: "/etc/njet/"})
//	if err != nil {
//		log.Fatal(err) // e.g. `unexpected "}" in /etc/njet/njet.conf:40`
//	}
//	g, err := gateway.New(res.Config)
//
// Registering a directive in a feature package:
//
//	var mod = conf.Register(&conf.Module{
//		Name:    "hello",
//		NewConf: func() any { return &helloConf{} },
//		Merge: func(parent, child any) error {
//			p, c := parent.(*helloConf), child.(*helloConf)
//			if c.text == "" {
//				c.text = p.text
//			}
//			return nil
//		},
//		Apply: func(b *conf.Builder, loc *gateway.Location, c any) error {
//			if t := c.(*helloConf).text; t != "" {
//				loc.Content = helloHandler(t)
//			}
//			return nil
//		},
//		Directives: []conf.Directive{{
//			Name: "hello", Context: conf.Location, Args: conf.Take1,
//			Set: func(bl *conf.Block, n *conf.Node) error {
//				c := bl.Conf(mod).(*helloConf)
//				if c.text != "" {
//					return conf.Duplicate(n)
//				}
//				c.text = n.Args[0]
//				return nil
//			},
//		}},
//	})
package conf
