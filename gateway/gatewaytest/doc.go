// Package gatewaytest runs a GoNJet gateway in-process, without sockets,
// so that a filter, a router or a whole njet.conf can be unit-tested.
//
// A test loads a configuration (njet.conf text or a hand-built
// gateway.Config), sends requests and looks at the answer, the variables
// the request ended with and the access-log line it produced:
//
//	g := gatewaytest.Load(t, `
//	    http {
//	        server {
//	            listen 80;
//	            location / { return 200 "hello $arg_name"; }
//	        }
//	    }`)
//	resp := gatewaytest.Get(t, g, "/?name=njet")
//	require.Equal(t, 200, resp.Status)
//	require.Equal(t, "hello njet", string(resp.Body))
//
// A single Go filter is tested the same way, with Chain:
//
//	g := gatewaytest.Chain(t, gateway.PhaseAccess, myFilter)
//	resp := gatewaytest.Get(t, g, "/secret")
//
// Do keeps the variables it is asked for ($upstream_addr, $request_time,
// a map result) as they were when the request was logged, and the
// request's access-log line in the "combined" format:
//
//	resp := gatewaytest.Do(g, gatewaytest.NewRequest("GET", "/"), "upstream_addr")
//	t.Log(resp.Vars["upstream_addr"], resp.AccessLog)
package gatewaytest
