// Package upstream balances requests over a group of servers the way
// nginx's upstream{} block does, and keeps idle connections to them for
// reuse.
//
// An Upstream is built once per configuration snapshot from a Config (the
// Go form of upstream{}: servers with weight, max_fails, fail_timeout,
// max_conns, backup and down, a balancing method and keepalive settings).
// For each try of a request the caller asks Pick for a peer, talks to it,
// and reports the outcome with Done. Pick implements nginx's methods
// bit for bit — smooth weighted round robin (the default), least_conn,
// ip_hash, hash KEY [consistent] (ketama points compatible with
// Cache::Memcached::Fast) and random [two] — including the passive health
// checks: a server that failed max_fails times within fail_timeout is left
// out for fail_timeout, backup servers take over when every primary is
// unavailable, and a Tried value per request keeps a retry from picking a
// server twice.
//
// Peer state survives reloads: New takes the Upstream being replaced and
// gives every peer whose address stays its failure count, requests in
// flight and round-robin position.
//
// With Keepalive set, Idle returns a cached connection to a peer and Keep
// caches one after a clean request, honouring keepalive_requests,
// keepalive_timeout and keepalive_time; a connection the peer closed while
// idle is not handed out. IdleUnchecked skips that check, a system call,
// for connections used a moment ago, for requests the caller can send
// again should the peer have closed the connection meanwhile.
//
// The package also registers the njet.conf directives upstream, server,
// least_conn, ip_hash, hash, random, keepalive, keepalive_requests,
// keepalive_timeout, keepalive_time and zone with gateway/conf; Find,
// Implicit, Lookup and Resolve give proxy modules the upstream a
// proxy_pass names.
//
// Example:
//
//	u, err := upstream.New(ctx, upstream.Config{
//		Name:      "backend",
//		Servers:   []upstream.Server{{Addr: "10.0.0.1:8080", Weight: 5}, {Addr: "10.0.0.2:8080"}, {Addr: "10.0.0.3:8080", Backup: true}},
//		Keepalive: 16,
//	}, nil)
//	if err != nil {
//		return err
//	}
//	var tried upstream.Tried
//	for tries := u.Len(); tries > 0; tries-- {
//		p, err := u.Pick(&tried, clientIP, nil)
//		if err != nil {
//			return err // upstream.ErrNoLive: 502
//		}
//		c := u.Idle(p)
//		if c == nil {
//			if c, err = net.Dial(p.Network, p.Addr); err != nil {
//				p.Done(true)
//				continue
//			}
//			c = u.Track(c)
//		}
//		// ... send the request, read the response ...
//		u.Keep(p, c, requestsOnConn)
//		p.Done(false)
//		return nil
//	}
package upstream
