// Package access limits access by client address: nginx's allow and deny
// directives.
//
// Rules are checked in order and the first one that matches the client
// decides: deny answers 403 Forbidden (logging "access forbidden by rule"
// unless "satisfy any" is on), allow lets the request through the access
// phase. A client no rule matches is neither allowed nor denied, so other
// access checks (auth_basic) decide. A location with rules of its own
// does not inherit the rules of the enclosing levels.
//
//	location /admin/ {
//	    allow 192.0.2.0/24;
//	    allow 2001:db8::/32;
//	    allow unix:;
//	    deny  all;
//	}
//
// The address checked is gateway.Ctx.RemoteAddr, which realip may have
// replaced. From Go, build the filter and bind it to the access phase:
//
//	r1, _, _ := access.ParseRule(false, "192.0.2.0/24")
//	r2, _, _ := access.ParseRule(true, "all")
//	loc.Use(gateway.PhaseAccess, access.New([]access.Rule{r1, r2}))
//
// The package also carries the address helpers nginx uses for such rules
// (ParseCIDR, ParseAddrPort, Addr.String), shared with realip.
package access
