// Package gzip compresses responses on the fly: nginx's gzip filter
// (ngx_http_gzip_filter_module) together with the gzip settings nginx
// keeps in its core module (gzip_vary, gzip_http_version, gzip_proxied,
// gzip_disable) and the $gzip_ratio variable.
//
// A response is compressed when all of these hold:
//   - gzip is on for the location;
//   - the status is 200, 403 or 404;
//   - the response has no Content-Encoding yet;
//   - its Content-Length, when known, is at least gzip_min_length (20);
//   - its Content-Type is text/html or one of gzip_types ("*": any);
//   - the client's first Accept-Encoding field names gzip with a non-zero
//     quality ("gzip;q=0" refuses it);
//   - the request's HTTP version is at least gzip_http_version (1.1);
//   - a request that came through a proxy (it has a Via field) is allowed
//     by gzip_proxied (off by default), judged on the response's Expires,
//     Cache-Control, Last-Modified and ETag and on the request's
//     Authorization;
//   - the User-Agent matches none of the gzip_disable patterns ("msie6"
//     stands for MSIE 4 to 6 without SV1).
//
// A compressed response gets "Content-Encoding: gzip", loses its
// Content-Length (it goes out chunked, or until the connection closes)
// and Accept-Ranges, and a strong ETag becomes weak ("W/..."). With
// gzip_vary on, every response that passed the first five checks gets
// "Vary: Accept-Encoding", whether or not this client accepts gzip. The
// body is compressed as a stream with compress/gzip; writers are pooled
// per level, and output goes on in pieces of the gzip_buffers size. The
// compressing body writer has a Flush method (a deflate sync flush, so
// the client can decode what it got so far), for the gateway to call when
// the content handler flushes, e.g. a proxy with buffering off.
// After the response, $gzip_ratio holds the ratio of the original to the
// compressed size, with two decimals ("3.27").
//
// Directives: gzip, gzip_types, gzip_comp_level, gzip_min_length,
// gzip_buffers, gzip_http_version, gzip_proxied, gzip_vary and
// gzip_disable, with nginx's contexts, defaults, inheritance and error
// messages; gzip_window, gzip_hash, postpone_gzipping and gzip_no_buffer
// are checked and accepted.
//
// From Go, build a filter and install it in a location:
//
//	cfg := gzip.DefaultConfig()
//	cfg.Level = 5
//	cfg.Types = []string{"application/json", "text/css"}
//	cfg.Vary = true
//	f, err := gzip.New(cfg)
//	if err != nil {
//		return err
//	}
//	f.Install(loc)
//
// Handlers that send content already compressed (gzip_static) decide
// whether the client takes gzip with NegotiationOf(c.Loc).OK(c).
package gzip
