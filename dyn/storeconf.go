package dyn

import (
	"strings"

	"github.com/gonjet/gonjet/gateway/conf"
)

// storeSpecKey is where the dyn_store directive leaves its value in the
// builder's state.
const storeSpecKey = "dyn.store"

type storeSpec struct{ server string }

// dyn_store names where the dynamic state lives (main context):
//
//	dyn_store bolt;                       # DATA_DIR/data/dyn.db, the default
//	dyn_store mqtt://10.0.0.5:1883;       # shared by the nodes of a cluster
//	dyn_store unix:/path/mosquitto.sock;
//
// With an MQTT broker, every node of the cluster (cluster_name) reads and
// writes the same retained state, so a change made through any node's API
// is served by all of them. A GoNJet directive: OpenNJet reaches its
// broker through its copilot configuration instead.
var storeModule = conf.Register(&conf.Module{
	Name: "dyn_store",
	Directives: []conf.Directive{{
		Name:    "dyn_store",
		Context: conf.Main,
		Args:    conf.Take1,
		Set: func(bl *conf.Block, n *conf.Node) error {
			v := n.Args[0]
			switch {
			case v == "bolt":
			case strings.HasPrefix(v, "mqtt://"), strings.HasPrefix(v, "mqtts://"),
				strings.HasPrefix(v, "tcp://"), strings.HasPrefix(v, "tls://"),
				strings.HasPrefix(v, "unix:"):
			default:
				return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", v, n.Name)
			}
			spec := bl.B.State(storeSpecKey, func() any { return &storeSpec{} }).(*storeSpec)
			if spec.server != "" {
				return conf.Errorf(n, "\"%s\" directive is duplicate", n.Name)
			}
			spec.server = v
			return nil
		},
	}},
})

// StoreServer returns the dyn_store setting of a built configuration:
// "" or "bolt" for the local bbolt file, otherwise an MQTT server address
// for dyn/mqttstore.
func StoreServer(b *conf.Builder) string {
	spec := b.State(storeSpecKey, func() any { return &storeSpec{} }).(*storeSpec)
	return spec.server
}
