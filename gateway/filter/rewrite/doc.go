// Package rewrite changes the request URI, answers early and sets
// variables with the directives of nginx's rewrite module: rewrite,
// return, set, if and break, plus rewrite_log and
// uninitialized_variable_warn.
//
// The directives of one level (a server block or a location) form one
// Script, run in order as a single filter — server-level scripts in
// gateway.PhaseServerRewrite, location scripts in gateway.PhaseRewrite.
// An "if" block is a step of its parent's script; when its condition
// holds, its own location (with everything configured inside the block)
// becomes the request's location, and its steps run.
//
// In njet.conf:
//
//	server {
//	    rewrite ^/old/(.*)$ /new/$1 permanent;
//	    location /api/ {
//	        if ($http_x_debug = 1) { set $dbg on; }
//	        rewrite ^/api/v1/(.*)$ /api/v2/$1 last;
//	        return 403;
//	    }
//	}
//
// In Go, a script is built with the constructors against the snapshot's
// variable table and installed like any filter:
//
//	vars := gateway.NewVarTable()
//	r, err := rewrite.NewRewrite(vars, `^/old/(.*)$`, "/new/$1", rewrite.FlagLast)
//	if err != nil { ... }
//	loc.Use(gateway.PhaseRewrite, &rewrite.Script{Steps: []rewrite.Step{r}})
//
// A rewrite that changed the URI without the break flag makes the gateway
// search the location again (at most 10 times, then 500 as nginx). A
// replacement starting with "http://", "https://" or "$scheme", or the
// redirect and permanent flags, answer 302 or 301 instead. "return 444"
// closes the connection without an answer.
package rewrite
