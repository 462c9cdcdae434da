// Package dynmap is OpenNJet's dynamic map (/api/v1/config/http_dyn_map):
// it replaces the lines of http map{} blocks at run time, and adds and
// deletes maps.
//
//	PUT /api/v1/config/http_dyn_map
//	{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","values":[
//	   {"valueFrom":"default","valueTo":"00"},{"valueFrom":"bb","valueTo":"99"}],
//	  "isVolatile":false,"hostnames":false}]}
//	→ {"code":0,"msg":"success."}
//
// "values" replaces every line of the map (valueFrom "default" is the
// default); isVolatile and hostnames set the map's flags. An item with
// "type":"add" creates a map for a new variable, "type":"del" deletes a
// map created that way (a map of the configuration file cannot be
// deleted: "can`t del static variable"); without a type the map must
// exist (" not find map,keyTo:x!"). A failed item makes the answer a
// partial success, or the update error when it was the only item, as in
// OpenNJet v3.3.0. Values are the JSON array OpenNJet really reads and
// writes; its document's object form is refused with its parser's
// message.
//
// Maps are stored under /dyn/http_dyn_map/<variable> and written into
// the configuration, so changed values serve the next requests and
// survive restarts.
//
//	import _ "github.com/gonjet/gonjet/dyn/dynmap"
package dynmap
