// Package httplog is OpenNJet's dynamic access log switch
// (/api/v1/config/http_log): it turns access logging on or off per
// location, sets a location's log files, and adds or replaces log
// formats, without a reload.
//
//	GET /api/v1/config/http_log
//	{"servers":[{"listens":["0.0.0.0:8080"],"serverNames":[""],"locations":[
//	   {"location":"/demo","accessLogOn":true,
//	    "accessLogs":[{"path":"logs/demo.log","formatName":"test"}]}]}],
//	 "accessLogFormats":[{"name":"combined","escape":"default","format":"..."}]}
//
// PUT takes the same shape, partially: only the listed servers and
// locations change, formats are set before locations use them, and the
// answer is OpenNJet v3.3.0's rpc-result ({"code":0,"msg":"success."},
// {"data":["servers[...].locations[/x] location not found"],"code":1,
// "msg":"partial success."}, or {"code":3,"msg":"pos: 25, ..."} from its
// strict JSON reader). A listed location without "accessLogOn" is turned
// off, as in OpenNJet.
//
// State is stored per location (/dyn/http_log/srv/...) and per format
// (/dyn/http_log/format/<name>) and written into the configuration as
// access_log and log_format directives, so the log files really are
// written (OpenNJet v3.3.0 reported success without creating them).
// Import for the side effect:
//
//	import _ "github.com/gonjet/gonjet/dyn/httplog"
package httplog
