// Package proxy is the reverse-proxy content handler: nginx's
// ngx_http_proxy_module with the request side of ngx_http_upstream.c.
//
// A Handler sends the request of its location to a peer of an
// upstream.Upstream over its own HTTP/1.0 or HTTP/1.1 client (net.Conn,
// pooled buffers, no net/http), and streams the answer back through the
// location's header and body filters. It follows nginx's rules:
//
//   - the URI sent upstream: with a URI part in the proxy_pass URL the
//     matched location prefix is replaced by it, without one the client's
//     URI goes as it was sent (or, once rewritten, as it is now);
//   - the request header: proxy_set_header settings, then nginx's
//     defaults (Host: $proxy_host, Connection: close, no TE, Keep-Alive,
//     Expect or Upgrade), then the client's fields;
//   - failures (connection refused, timeouts, invalid answers, chosen
//     HTTP statuses) make the next peer be tried, within
//     proxy_next_upstream, proxy_next_upstream_tries and
//     proxy_next_upstream_timeout; 502 or 504 when none is left;
//   - the answer's header: Date, Server and X-Accel-* are hidden, hop-by-hop
//     fields dropped, Location, Refresh and Set-Cookie rewritten by
//     proxy_redirect and proxy_cookie_*; X-Accel-Redirect becomes an
//     internal redirect; proxy_intercept_errors hands error statuses to
//     error_page;
//   - chunked answers are decoded, "101 Switching Protocols" joins client
//     and upstream connections (WebSocket), and connections are kept for
//     reuse with HTTP/1.1 and an empty Connection header.
//
// A proxied request in steady state costs two system calls on the
// upstream side (one write, one read) and no allocation: the text of the
// answer's header, which variables and scripts may keep, is one string
// shared with the connection's previous answer when the block is the
// same (see pconn.headerString); the exchange state is pooled, the
// per-request data is recycled with the Ctx once the log phase is over,
// socket deadlines are moved lazily (see pconn), a kept connection used
// less than 50ms ago skips the liveness check when the request could be
// sent again anyway (see upstream.Upstream.IdleUnchecked), and the
// goroutine yields before it reads the answer, which cannot be there
// yet.
//
// The tries are reported in c.Upstream for the $upstream_* variables, and
// $proxy_host, $proxy_port and $proxy_add_x_forwarded_for are defined.
// Error-log lines read like nginx's, "upstream: ..." part included.
//
// In njet.conf the module is configured with proxy_pass and the other
// proxy_* directives (see directives.go):
//
//	upstream backend {
//	    server 127.0.0.1:8081;
//	    keepalive 16;
//	}
//	server {
//	    listen 80;
//	    location /api/ {
//	        proxy_pass http://backend/v1/;
//	        proxy_http_version 1.1;
//	        proxy_set_header Connection "";
//	        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
//	    }
//	}
//
// In Go, a location gets a Handler built from Options:
//
//	u, err := upstream.New(ctx, upstream.Config{Name: "backend",
//	    Servers: []upstream.Server{{Addr: "127.0.0.1:8081"}}, Keepalive: 16}, nil)
//	...
//	opt := proxy.DefaultOptions()
//	opt.URL, opt.Upstream, opt.Location = "http://backend/v1/", u, "/api/"
//	opt.HTTP11 = true
//	opt.SetHeaders = []proxy.HeaderValue{{Name: "Connection", Value: gateway.StaticTemplate("")}}
//	h, err := proxy.New(opt)
//	...
//	loc := gateway.NewLocation(gateway.MatchPrefix, "/api/")
//	loc.Content = h
package proxy
