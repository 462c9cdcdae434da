// Package dyn is GoNJet's dynamic control plane: the versioned store that
// holds every change made at run time, the registry of dynamic modules,
// the Runtime that rebuilds and loads the gateway configuration from the
// base njet.conf plus the stored changes, and the OpenNJet-compatible
// HTTP API (/api/v1/...) with its Swagger UI.
//
// The model: the parsed njet.conf (conf.Result.Nodes) is the base. Every
// dynamic object (an upstream, an upstream member, a location, a switch)
// is a key "/dyn/<module>/<object>" in a Store whose value is the
// module's JSON. A change is a write to the store; the Runtime then gives
// a copy of the base nodes to every registered Module in order (objects
// first, switches after), builds the result with conf.Build (passing the
// current configuration as Prev, so upstream peer state survives) and
// loads it into the gateway. A change that does not build is never
// stored, and replay after a restart runs the same code.
//
// Typical wiring (what the njet command does):
//
//	res, _ := conf.LoadFile("conf/njet.conf", opt)
//	g, _ := gateway.New(nil)
//	store, _ := dyn.OpenBolt("data/dyn.db")
//	rt, _ := dyn.NewRuntime(store, g, res.Nodes, opt)
//	if err := rt.Start(ctx); err != nil { ... } // replay + load
//	dyn.SetDefault(rt) // njet_ctrl.conf's "dyn_module_api" serves rt
//
// Every change the HTTP API offers is also a Go call: see the module
// packages (dyn/upstreamapi, dyn/dynups, dyn/kv, ...), whose functions take
// the Runtime; and rt.Change writes raw ops all-or-nothing.
//
// Directives (njet_ctrl.conf): dyn_module_api (location content handler
// of the API; config_api is accepted as an alias), doc_api (Swagger UI at
// <location>/swagger/), config_req_pool_size N (http; the number of API
// requests served at once, default 500; more get 500 "server error").
package dyn
