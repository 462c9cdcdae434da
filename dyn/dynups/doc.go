// Package dynups is the dynamic upstream module of the control plane
// (OpenNJet's dyn_ups, §3.68): it adds and deletes whole http upstream{}
// blocks at run time and lists them.
//
//	POST /api/v1/dyn_ups  {"type":"add","upstream_name":"u1","upstream_body":"zone u1 1m;"}
//	PUT  /api/v1/dyn_ups  {"type":"del","upstream_name":"u1"}
//	GET  /api/v1/config/dyn_upstream
//
// Each added upstream is a store key "/dyn/dyn_ups/<name>"; the Runtime
// inserts the blocks into http{} before the servers on every rebuild, so
// they survive restarts. Members are then added with the upstream API
// (dyn/upstreamapi). From Go:
//
//	err := dynups.Add(ctx, rt, "u1", "zone u1 1m; least_conn;")
//	list := dynups.List(rt)
//	err = dynups.Delete(ctx, rt, "u1")
//
// Upstream bodies may hold any upstream-level directive GoNJet knows
// except "server" (members come through the upstream API), unless the
// body has OpenNJet's "state" directive, which is accepted and ignored.
// The main-context directive shared_slab_pool_size is accepted and
// checked, as GoNJet needs no shared memory.
package dynups
