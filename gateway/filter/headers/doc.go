// Package headers adds fields to responses: nginx's add_header and
// expires directives (ngx_http_headers_filter_module).
//
// add_header name value [always] adds a field, whose value may use
// variables, to responses with status 200, 201, 204, 206, 301, 302, 303,
// 304, 307 or 308, or to every response with "always". A level that has
// add_header directives of its own does not inherit those of the levels
// above it. expires sets Expires and Cache-Control from a time after the
// request ("expires 1h"), after Last-Modified ("expires modified 1d"),
// at a time of day ("expires @15h30m"), or to fixed values ("epoch",
// "max"); "off" leaves them alone.
//
// From Go, build the header filter and add it to a location:
//
//	f := headers.Filter(headers.Config{
//		Headers: []headers.Header{{Name: "X-Frame-Options", Value: gateway.StaticTemplate("DENY"), Always: true}},
//		Expires: headers.Expires{Mode: headers.ExpiresAccess, Time: time.Hour},
//	})
//	loc.HeaderFilters = append(loc.HeaderFilters, f)
package headers
