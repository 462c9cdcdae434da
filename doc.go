// Package gonjet is GoNJet, an embeddable Go toolkit for programmable
// gateways that does what OpenNJet (an NGINX fork) does, as composable
// packages:
//
//   - gateway: the HTTP data plane (servers, nginx's location rules,
//     phases, filters, variables, error pages) and its sub-packages:
//     proxy, static, filter/..., conf (the njet.conf/nginx.conf adapter)
//     and gatewaytest (in-process tests without sockets);
//   - listener: sockets and GoNJet's HTTP/1.1 engine;
//   - upstream: peer pools, balancers, keepalive connections;
//   - telemetry: access and error logs.
//
// A gateway in Go:
//
//	res, err := conf.LoadString(`
//	    events {}
//	    http {
//	        upstream api { server 127.0.0.1:8081; server 127.0.0.1:8082; }
//	        server { listen 8080; location /api/ { proxy_pass http://api; } }
//	    }`, conf.Options{})
//	if err != nil {
//	    log.Fatal(err)
//	}
//	log.Fatal(listener.Run(res.Config))
//
// The njet command (examples/njet) runs an unchanged njet.conf with
// nginx's command line.
package gonjet
