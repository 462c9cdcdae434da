// Package listener owns a gateway's sockets and runs GoNJet's own
// HTTP/1.0 and HTTP/1.1 engine on them.
//
// A Set holds the listening sockets of a configuration, keyed like
// gateway.Listen.Key: Apply opens what is new (TCP on IPv4 or IPv6,
// "unix:" sockets, SO_REUSEPORT, backlog; with ApplyConfig also the
// listen options of njet.conf), keeps what stays untouched
// across reloads and closes what went away, all or nothing, with nginx's
// error text ("bind() to 127.0.0.1:80 failed (98: Address already in
// use)"). Serve accepts on every socket; Shutdown stops accepting, closes
// idle keep-alive connections and waits for the requests in flight.
//
// HTTP1 serves the accepted connections the way nginx's
// ngx_http_request.c does: the same header buffer limits (414, 400
// "Request Header Or Cookie Too Large"), the same refusals of malformed
// requests (400, 501, 505), keep-alive and pipelining, chunked request
// bodies, "Expect: 100-continue", discarding of unread bodies, lingering
// close, and answers framed as nginx frames them.
//
// On a plain socket whose listen has "http2", or whose default server has
// "http2 on", a connection that opens with the HTTP/2 preface is served
// as HTTP/2 with prior knowledge (h2c) by golang.org/x/net/http2, the
// others as HTTP/1.x, as nginx 1.25 does. Each stream becomes a
// gateway.Request like any other, so filters do not know which protocol
// carried it; Shutdown sends GOAWAY and waits for the streams in flight.
// HTTP/2 over TLS (ALPN "h2") comes with TLS termination.
//
// A connection costs what it uses. The reader, writer, gateway.Request
// and header storage of a request in progress come from a pool and go
// back to it when the connection parks (below); the gateway.Request is
// reused once Gateway.Serve has returned. Header strings (Method,
// RequestURI, names and values) are not copied: they point into an
// arena that requests fill one after the other and that is never written
// again where a string points, so they stay valid for as long as
// anything holds them. A request whose head is the same as the previous
// one on its connection shares that copy. A request on a kept-alive
// connection allocates nothing.
//
// On Linux a connection waiting for a request waits in a small epoll set
// of the package, where its descriptor is registered once,
// edge-triggered. For HTTP1.ParkAfter (20ms) it is held: its goroutine
// sleeps with its buffers, and the poller wakes it when input comes, in
// the order the kernel reported the input (nginx's order; the runtime's
// own poller serves each batch in reverse, which doubled the spread of
// latencies under load). Input that comes while the connection is busy
// is remembered, so no read is tried in vain before a wait. Past
// ParkAfter the connection is parked: its goroutine ends and its
// buffers go back to the pool, and the poller watches it together with
// its keepalive_timeout or client_header_timeout. When the request
// comes, a worker goroutine serves it again; when the time passes first,
// the connection is closed, as nginx closes it. An idle connection then
// costs about 1 KiB of memory instead of a goroutine and 8 KiB of
// buffers. Shutdown and Close close held and parked connections too.
// Elsewhere, and for connections without a file descriptor, idle
// connections wait in a read.
//
// Serving a configuration, and applying a new one on reload:
//
//	g, err := gateway.New(cfg)
//	if err != nil {
//		log.Fatal(err)
//	}
//	var set listener.Set
//	if err := set.ApplyConfig(cfg); err != nil {
//		log.Fatal(err) // bind() to 0.0.0.0:80 failed (98: Address already in use)
//	}
//	go set.Serve(listener.NewHTTP1(g))
//
//	// on SIGHUP, with next prepared:
//	if err := set.ApplyConfig(next); err == nil {
//		g.Load(next)
//	}
//
//	// on SIGQUIT:
//	set.Shutdown(context.Background())
//
// ListenAndServe(g) does the first part in one call.
package listener
