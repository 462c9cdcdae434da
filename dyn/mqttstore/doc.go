// Package mqttstore is a dyn.Store kept on an MQTT v5 broker, the bus
// OpenNJet itself uses, so that several GoNJet nodes share one dynamic
// state: a change made through the control-plane API of any node reaches
// every node's Runtime, which rebuilds its configuration from it.
//
//	store, err := mqttstore.Open(ctx, mqttstore.Options{
//		Server: "unix:/usr/local/njet/data/mosquitto.sock", // or "mqtt://10.0.0.5:1883"
//		Root:   "gonjet/cluster1",
//	})
//	if err != nil { ... } // the broker was not reachable before ctx ended
//	rt, err := dyn.NewRuntime(store, g, res.Nodes, opt)
//
// Any MQTT v5 broker works: Mosquitto, the embedded dyn/broker, or a
// hosted one. It should persist retained messages (Mosquitto's
// "persistence true", on by default in dyn/broker): the broker's retained
// state is the store. With Mosquitto, "set_tcp_nodelay true" takes the
// ~40 ms of Nagle's algorithm off every Apply.
//
// # Layout on the broker
//
// A key is a topic under the root: "/dyn/http_log" with root
// "gonjet/cluster1" is the topic "gonjet/cluster1/dyn/http_log". Keys
// must start with "/"; the bytes MQTT does not allow in a topic name
// ('+', '#', NUL, control characters, invalid UTF-8) and '%' are written
// %XX. A value is the retained message of its topic; a deletion is an
// empty retained message, which makes the broker forget the topic. Every
// message carries MQTT v5 user properties: gonjet-version (the writer's
// version of the entry), gonjet-writer and gonjet-batch (who wrote it,
// in which batch of how many writes), and gonjet-empty for an empty
// value, whose payload is then a placeholder byte (an empty payload would
// delete). Retained messages written by other MQTT clients under the
// root are read as values too; messages without the retain flag are not
// values and are ignored.
//
// # How a node keeps up
//
// Each store subscribes to ROOT/# and keeps a mirror of every value, so
// Get, List and Watch answer from memory, and keep answering with the
// last state seen while the broker is unreachable. On every connection,
// the first and each one after a broker restart or a network loss, the
// broker sends all retained values; the store then publishes a marker to
// itself, and when the marker comes back (after the retained values) it
// replaces its mirror by what it received: values changed or deleted
// while it was away become Watch events, entries that did not change
// produce none. The subscription is QoS 0 on purpose: Mosquitto queues
// at most max_queued_messages (1000) QoS 1 messages per client and would
// drop the rest of a large state, while QoS 0 messages to a connected
// client are written in order; they can only be lost with the connection,
// and a new connection resynchronises.
//
// # Versions and conditions
//
// Versions are per node and strictly increasing: every change a store
// applies to its mirror, its own or another node's, gets a version above
// all the versions it handed out before, so a Runtime notices every
// change. A write carries the writer's version in gonjet-version and a
// reader adopts it when it is higher than its own, so in a quiet cluster
// all nodes show the same version for the same entry; after concurrent
// writes from several nodes the numbers may differ between nodes (the
// values do not). Use a version only with the store it came from.
//
// Apply checks every Op.IfVersion against the mirror before it publishes
// anything: when one condition fails nothing is written and the error
// wraps dyn.ErrConflict. Then it publishes the batch (QoS 1, retained) and
// returns once the broker has sent all of it back, applied to the mirror
// at once with one version (read-your-writes). The limits, inherent to a
// broker that has no transactions:
//
//   - Conditions are checked against this node's mirror, not on the broker.
//     Two nodes that write the same key within the time a message takes to
//     cross the broker can both succeed; the broker's order decides which
//     value stays, and every node converges to it. Give each object one
//     writer, or accept last-writer-wins, where that matters.
//   - A batch is all-or-nothing as seen from the node that writes it. Other
//     nodes apply its messages one by one, so for a moment they may see part
//     of a batch; atomicity across nodes is per key.
//   - When the connection fails half-way through a batch, Apply returns an
//     error and puts back the previous values of the keys it may have
//     written, as soon as the broker is reachable again within
//     Options.Timeout; if that fails too, the keys keep what reached the
//     broker, the same on every node, and an error is logged.
//   - When Apply's context ends after the broker took the batch but before
//     it came back, Apply reports an error, yet the change stands and will
//     arrive as Watch events.
//   - A deletion made while a node is away is seen when it returns (its key
//     is no longer retained). The version of a deleted key is forgotten by
//     the broker, so a node that starts fresh may hand out versions again
//     that an absent key once had; conditions only compare live entries.
//   - A broker that loses its retained messages (no persistence, new
//     broker) makes every node delete everything on reconnection: the
//     broker's state is the truth.
package mqttstore
