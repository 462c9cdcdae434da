// Package dynsrv is OpenNJet's dynamic virtual server API
// (/api/v1/dyn_srv): it adds server{} blocks to ports the gateway already
// listens on, and deletes the ones it added, without a reload.
//
//	POST /api/v1/dyn_srv
//	{"type":"add","addr_port":"0.0.0.0:90","server_name":"server-901",
//	 "server_body":"return 200 server-901;"}
//
//	PUT /api/v1/dyn_srv
//	{"type":"del","addr_port":"0.0.0.0:90","server_name":"server-901"}
//
// The server is written as OpenNJet writes it ("server { listen <addr>;
// server_name <name>; <body> }") and built like any other, so its body
// may hold any server-level directive; locations are then added with
// /api/v1/dyn_loc. As in OpenNJet v3.3.0: a new port is refused ("no find
// listen port for 8091 in .../add_server.txt:2"), locations inside the
// body are refused, an existing server answers {"code":5,"msg":"error:
// [addr] server[name] exist!"}, and only added servers can be deleted
// ({"code":5,"msg":"only dynamic server,can to be delete!"}). Deleting a
// server deletes the dynamic state of its locations with it.
//
// Servers are records under /dyn/dyn_srv/srv/<listen>/<name> in the
// dynamic store and survive restarts. Import for the side effect:
//
//	import _ "github.com/gonjet/gonjet/dyn/dynsrv"
package dynsrv
