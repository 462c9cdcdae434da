// Package bwlist is OpenNJet's dynamic black/white list
// (/api/v1/config/http_dyn_bwlist): it replaces the allow/deny rules of
// locations at run time.
//
//	PUT /api/v1/config/http_dyn_bwlist
//	{"servers":[{"listens":["0.0.0.0:8080"],"serverNames":[""],"locations":[
//	  {"location":"/","accessIpv4":[
//	     {"rule":"deny","addr":"192.168.1.0","mask":"255.255.255.0"},
//	     {"rule":"allow","addr":"0.0.0.0","mask":"0.0.0.0"}]}]}]}
//	→ {"code":0,"msg":"success."}
//
// Each listed location gets exactly the listed rules (IPv4 and IPv6
// lists are both replaced; an empty list lets everyone in), checked in
// order, first match wins, a denied client gets 403. Bad addresses are
// skipped and reported ({"data":["servers[...].locations[/] wrong ipv4
// addr: 999.1.1.1"],"code":1,"msg":"partial success."}); GET shows every
// location's rules as the configuration gives them. A mask with holes,
// which an allow/deny range cannot express, is refused (" wrong ipv4
// mask: ...", a GoNJet message).
//
// Lists are stored per location under /dyn/http_dyn_bwlist/srv/... and
// written into the configuration as allow/deny directives. Import for
// the side effect:
//
//	import _ "github.com/gonjet/gonjet/dyn/bwlist"
package bwlist
