// Package proxypass is OpenNJet's dynamic proxy_pass
// (/api/v1/config/proxy_pass): it changes the target of a location's
// proxy_pass at run time, to switch a location to another upstream.
//
//	PUT /api/v1/config/proxy_pass
//	{"servers":[{"listens":["0.0.0.0:90"],"serverNames":["server-90"],
//	  "locations":[{"location":"/demo","proxy_pass":"http://backend2"}]}]}
//	→ {"code":0,"msg":"success."}
//
// Only a location that has a proxy_pass of its own can be changed, the
// scheme cannot change, variables must be defined, and a host must be
// an upstream{} name or an address; refusals are OpenNJet v3.3.0's
// ("servers[...].locations[/demo]:proxy_pass[http://x] resolve_host
// error"). Unlike OpenNJet v3.3.0, whose data plane kept using the old
// upstream after answering success, the new target really serves the
// next requests: the target is stored per location under
// /dyn/proxy_pass/srv/... and written into the location's proxy_pass.
//
//	import _ "github.com/gonjet/gonjet/dyn/proxypass"
package proxypass
