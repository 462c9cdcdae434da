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
// close, and answers framed as nginx frames them. It reads into pooled
// buffers and allocates nothing per request but the gateway.Request, its
// header fields and one string holding the header text.
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
