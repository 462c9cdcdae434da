// Package dynloc is OpenNJet's dynamic location API (/api/v1/dyn_loc):
// it adds locations to a running server and deletes them, without a
// reload.
//
// POST /api/v1/dyn_loc adds one location, given as configuration text,
// to the server found by its listen address and server name:
//
//	{"type":"add","addr_port":"0.0.0.0:90","server_name":"server-90",
//	 "locations":[{"location_rule":"=","location_name":"/ttt1",
//	               "location_body":"return 200 ttt1"}]}
//
// PUT /api/v1/dyn_loc with {"type":"del",...,"location_rule":"=",
// "location_name":"/ttt1"} deletes it again. Answers, error texts and
// status codes are OpenNJet v3.3.0's: 200 {"code":0,"msg":"success."},
// 200 {"code":4,"msg":"error:location[=/ttt1] exist!"} for a refused
// change, 400 text/plain {"code":4,"msg":"addr_port error!!!"} for a bad
// body. As in v3.3.0, a location from the configuration file can be
// deleted too.
//
// Every change is a record in the dynamic store under
// /dyn/dyn_loc/srv/<listen>/<server name>/<location>; the runtime
// rebuilds the configuration from the file plus the records, so added
// locations behave exactly like written ones (nested locations,
// proxy_pass, every directive) and survive restarts. Import the package
// for its side effect:
//
//	import _ "github.com/gonjet/gonjet/dyn/dynloc"
package dynloc
