// Package dynheader is OpenNJet's dynamic add_header
// (/api/v1/config/http_dyn_header): it replaces the response headers a
// location adds, at run time.
//
//	PUT /api/v1/config/http_dyn_header
//	{"servers":[{"listens":["0.0.0.0:90"],"serverNames":["server-90"],
//	  "locations":[{"location":"/demo","headers":[
//	     {"key":"X-Test","value":"1","always":true},
//	     {"key":"X-Method","value":"$request_method","always":false}]}]}]}
//	→ {"code":0,"msg":"success."}
//
// The list replaces the location's add_header directives with nginx's
// meaning: without "always" a header is added to 200, 201, 204, 206,
// 301, 302, 303, 304, 307 and 308 answers only; values may use
// variables, which must be defined ("header contains undefined
// variables ..."). "always" is a JSON boolean, as OpenNJet v3.3.0 reads
// it (its document says integer; 1 is refused with "Invalid boolean
// literal"). An empty list leaves the location without headers, its
// parent's included.
//
// Lists are stored per location under /dyn/http_dyn_header/srv/... and
// written into the configuration as add_header directives.
//
//	import _ "github.com/gonjet/gonjet/dyn/dynheader"
package dynheader
