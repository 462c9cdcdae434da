// Package kv is the control plane's key/value store (OpenNJet's sendmsg
// kv, §3.13): string values under string keys, persisted in the dyn
// Store and readable by any module or program through Watch.
//
//	POST   /api/v1/kv           {"key":"k","value":"v"}   → 200, empty
//	GET    /api/v1/kv?key=k     → 200 text/plain "v" (404 "key is not existed in db\n")
//	DELETE /api/v1/kv?key=k     → 200 "key is deleted from db\n"
//
// From Go:
//
//	err := kv.Set(ctx, rt.Store(), "k", "v")
//	v, ok, err := kv.Get(ctx, rt.Store(), "k")
//	ch, err := kv.Watch(ctx, rt.Store())
//
// A value is stored as raw bytes at "/dyn/kv/<escaped key>". KV writes do
// not rebuild the gateway configuration. The njet.conf directives
// dyn_kv_conf, dyn_sendmsg_conf and dyn_sendmsg_rpc_timeout (OpenNJet's
// broker client settings) are accepted; GoNJet needs no broker.
package kv
