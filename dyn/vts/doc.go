// Package vts is OpenNJet's dynamic traffic-status switch
// (/api/v1/config/http_vts): it turns the counting of
// vhost_traffic_status (package telemetry/vts) on and off per location
// and replaces the http{}-level filter key, on a running gateway.
//
// GET /api/v1/config/http_vts lists every server with its listens, names
// and locations, each with its "vhost_traffic_status" state, followed by
// the http{}-level "vhost_traffic_status_filter_by_set_key" when there
// is one, written as its arguments in quotes:
//
//	{"servers":[{"listens":["0.0.0.0:8080"],"serverNames":[""],
//	  "locations":[{"location":"/","vhost_traffic_status":true}]}],
//	 "vhost_traffic_status_filter_by_set_key":"\"$request_uri\" \"$server_name\""}
//
// PUT takes the same document, or part of it. A server is found by its
// first listen and first name, a location by its name among the
// locations of its parent. Answers are OpenNJet v3.3.0's:
// {"code":0,"msg":"success."}; {"code":1,"msg":"partial success.",
// "data":["listen[127.0.0.1:8080] server_name[] location[/x] not found"]}
// when something was not applied; {"code":3,"msg":"pos: ..."} for a body
// its parser refuses. A filter key needs both arguments in quotes and
// variables the configuration knows.
//
// Each switch is a record of the dynamic store (per location under
// /dyn/http_vts/loc/<listen>/<server name>/<location>..., the filter key
// under /dyn/http_vts/filter); the runtime rebuilds the configuration
// from njet.conf plus the records, writing "vhost_traffic_status on|off"
// into the location and the filter key into http{}. Counters are kept
// across the rebuild because the zone outlives configurations. As in
// OpenNJet, switching a location does not change the nested locations
// inside it. Import the package for its side effect:
//
//	import _ "github.com/gonjet/gonjet/dyn/vts"
package vts
