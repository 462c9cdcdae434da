// Package realip takes the client address from a header set by a trusted
// proxy or load balancer: nginx's set_real_ip_from, real_ip_header and
// real_ip_recursive directives, and the $realip_remote_addr and
// $realip_remote_port variables.
//
//	set_real_ip_from  10.0.0.0/8;     # the load balancers
//	set_real_ip_from  unix:;
//	real_ip_header    X-Forwarded-For;
//	real_ip_recursive on;
//
// When the connection comes from a trusted address, the request's client
// address (gateway.Ctx.RemoteAddr, hence $remote_addr, $remote_port,
// allow/deny and limits keyed by the address) becomes the one in the
// header: X-Real-IP (the default), the last address of X-Forwarded-For
// (with real_ip_recursive, the last one that is not itself trusted), any
// other named header, or the PROXY protocol source address. An address
// may carry a port ("192.0.2.1:5000", "[2001:db8::1]:5000").
//
// The replacement is made once per request: in the post-read phase with
// the server's settings, else in the pre-access phase with the
// location's. $realip_remote_addr and $realip_remote_port keep the
// connection's own address.
//
// From Go:
//
//	lb, _, _ := access.ParseCIDR("10.0.0.0/8")
//	f := &realip.Filter{From: []access.CIDR{lb}, Source: realip.XForwardedFor, Recursive: true}
//	srv.Root.Use(gateway.PhasePostRead, f)
//
// "real_ip_header proxy_protocol" is accepted but has no effect until the
// protocol engines report the PROXY protocol addresses on
// gateway.ConnInfo.
package realip
