// Package broker is OpenNJet's "helper broker" copilot: an MQTT v5
// broker (github.com/mochi-mqtt/server/v2) embedded in the gateway
// process and configured by the same mqtt.conf file that OpenNJet's
// Mosquitto-based broker reads.
//
// In OpenNJet the broker is the event bus between the control plane and
// the workers, and its retained messages, saved in its data directory,
// are where dynamic configuration survives a restart. A single GoNJet
// process needs no bus between its own parts (package dyn keeps the
// state), so the broker matters when several nodes share state through
// dyn/mqttstore, or when other MQTT clients (OpenNJet's kv and sendmsg
// peers, devices, tools) expect a broker on the usual socket.
//
// # mqtt.conf
//
// The file uses Mosquitto's syntax and every key is optional. Without a
// file the broker listens on the Unix socket PREFIX/data/mosquitto.sock,
// keeps its state in PREFIX/data and logs errors to
// PREFIX/logs/mosquitto.log, as OpenNJet's packages do. Honoured keys:
//
//   - listener PORT [ADDRESS] — a TCP listener; "listener 0 PATH" is a
//     Unix socket. The per-listener options socket_domain, certfile,
//     keyfile, cafile, require_certificate and tls_version follow it;
//     protocol must be mqtt. The deprecated port and bind_address make
//     one default listener.
//   - log_dest stdout|stderr|syslog|none|file PATH (several allowed) and
//     log_type debug|information|notice|warning|error|all|none: each
//     log_type line enables one type, OpenNJet's default being "error".
//   - allow_anonymous (true by default, as in OpenNJet) and password_file
//     (mosquitto_passwd files, "$6$" and "$7$" hashes).
//   - persistence (true by default), persistence_location (PREFIX/data)
//     and persistence_file. The file is a bbolt database, written at every
//     change, so autosave_interval and autosave_on_changes are accepted and
//     have nothing left to tune; its default name is broker.db because a
//     Mosquitto database could not be read.
//   - max_packet_size, max_keepalive, max_inflight_messages, max_qos,
//     retain_available, sys_interval, include_dir.
//
// Other Mosquitto tuning keys are accepted and ignored (Config.Ignored
// lists them); keys that would restrict access or change delivery and are
// not implemented (acl_file, plugins, bridges, websockets, mount_point,
// PSK) are refused, so a broker never runs more open than its file says.
// Errors read as Mosquitto's: `Error: Unknown configuration variable
// "foo". Error found at conf/mqtt.conf:2.`
//
// # Use
//
// From Go:
//
//	b, err := broker.Start("conf/mqtt.conf", slog.Default())
//	if err != nil { ... }
//	defer b.Close()
//	fmt.Println(b.Addrs()) // [/path/data/mosquitto.sock]
//
// From njet.conf: the njet command starts the broker for the line
//
//	helper broker modules/njt_helper_broker_module.so conf/mqtt.conf;
//
// (the module path is ignored; the conf argument may be omitted) before
// it serves, so that a bad mqtt.conf stops start-up with its error, and
// keeps it across reloads, as OpenNJet's broker copilot ignores them
// (Helper.IgnoreReload):
//
//	res, err := conf.LoadFile(confFile, opt)
//	...
//	for _, h := range res.Builder.Main.Helpers {
//		if h.Name != "broker" {
//			continue
//		}
//		// Logs go to PREFIX/logs/mosquitto.log unless mqtt.conf says otherwise.
//		brk, err := broker.Open(broker.Options{Prefix: prefix, Conf: h.Conf})
//		if err != nil {
//			return fmt.Errorf("helper broker: %w", err)
//		}
//		defer brk.Close()
//	}
//
// Helper wraps the same as a copilot with Name, IgnoreReload and
// Run(ctx, confPath), for a supervisor that runs copilots as goroutines.
//
// A cluster node then shares its dynamic state over the broker with
// dyn/mqttstore:
//
//	store, err := mqttstore.Open(ctx, mqttstore.Options{
//		Server: "unix:" + prefix + "data/mosquitto.sock",
//		Root:   "gonjet/" + res.Builder.Main.ClusterName,
//	})
package broker
