// Package maps defines variables whose value is looked up in a table, as
// nginx's map directive:
//
//	map $http_host $backend {
//	    hostnames;
//	    default        general;
//	    example.com    main;
//	    *.example.com  sub;
//	    ~^api\.(?<region>\w+)\.  api-$region;
//	}
//
// The table is built when the configuration is; a request computes the
// variable on first use (every use with "volatile") by evaluating the
// source, then trying exact keys (case-insensitively), then wildcards
// when "hostnames" is on, then regular expressions in order. Values may
// hold variables and the captures of the regex that matched.
//
// In Go:
//
//	m := &maps.Map{Source: src, Default: gateway.StaticTemplate("general")}
//	if err := m.Add(vars, "example.com", gateway.StaticTemplate("main")); err != nil { ... }
//	vars.Define(m.Var("backend"))
package maps
