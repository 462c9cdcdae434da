// Package all compiles every built-in dynamic module of the control
// plane into a program: importing it for its side effects registers the
// /api/v1 modules (upstream_api, dyn_ups, kv, dyn_loc, dyn_srv and the
// config switches) with package dyn.
//
//	import _ "github.com/gonjet/gonjet/dyn/all"
package all
