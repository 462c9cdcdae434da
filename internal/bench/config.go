package main

import (
	"fmt"
	"strings"
)

// Sizes of the answers the backend and the static scenario serve.
const (
	smallSize = 1 << 10
	largeSize = 64 << 10
)

// smallBody is the 1 KiB answer, the same bytes whether from a file or
// from memory.
var smallBody = strings.Repeat("x", smallSize)

// The request a realistic configuration (scenario g) is measured with: a
// path that passes the prefix locations and five regular expressions
// before it matches, and a browser's User-Agent that the map tests against
// every pattern before it falls to the default.
const (
	realisticPath = "/api/v2/users/12345/profile"
	browserAgent  = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
)

// proxyLocation is the upstream keepalive setup both gateways get.
const proxyLocation = `        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
`

// mainBlock is the part of every configuration outside http{}: one
// worker, in the foreground, logs in the prefix. The connection limits are
// high enough for scenario d's idle connections plus the upstream ones.
func mainBlock(pid string) string {
	return `worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid logs/` + pid + `;
error_log logs/error.log warn;

events {
    worker_connections 16384;
}
`
}

// httpCommon keeps request bodies and buffered responses inside the prefix,
// so that a run needs no writable /var/lib/nginx, and lets a client
// connection carry any number of requests: h2load does not reconnect when
// a server ends an HTTP/2 connection after keepalive_requests (1000 by
// default), and the load generators' connections are meant to stay for
// the whole run anyway.
const httpCommon = `    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    default_type application/octet-stream;
    keepalive_requests 1000000;
`

// backendConf is the configuration of the nginx that plays the backend.
// It is tuned for speed because it is not under test and shares a core
// with the load generator on small machines: the 1 KiB answers (/1k, and
// any path under /api/) are written from memory by "return", the 64 KiB
// file goes out with sendfile, POST /post discards the body and answers
// "ok", and a connection may carry any number of requests.
func backendConf(port int) string {
	var b strings.Builder
	b.WriteString(mainBlock("backend.pid"))
	fmt.Fprintf(&b, `
http {
%s    access_log off;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=64;
    keepalive_timeout 300s;

    server {
        listen 127.0.0.1:%d backlog=4096;
        root html;

        location = /post {
            return 200 "ok\n";
        }
        location = /1k {
            return 200 "%s";
        }
        location /api/ {
            return 200 "%s";
        }
    }
}
`, httpCommon, port, smallBody, smallBody)
	return b.String()
}

// gatewayConf is the configuration file that nginx and njet both read for
// one scenario: the same text for both, so that the comparison is of the
// programs and not of their settings. The access log is off except in the
// realistic scenario, and the upstream keeps 64 idle connections.
func gatewayConf(sc *scenario, port, backendPort int) string {
	var b strings.Builder
	b.WriteString(mainBlock("gateway.pid"))
	b.WriteString("\nhttp {\n")
	b.WriteString(httpCommon)
	if sc.server != realisticServer {
		b.WriteString("    access_log off;\n")
	}
	fmt.Fprintf(&b, `
    upstream backend {
        server 127.0.0.1:%d;
        keepalive 64;
    }
`, backendPort)
	listen := fmt.Sprintf("127.0.0.1:%d backlog=4096", port)
	if sc.http2 {
		listen += " http2"
	}
	switch sc.server {
	case proxyServer:
		fmt.Fprintf(&b, "\n    server {\n        listen %s;\n\n%s    }\n", listen, proxyLocation)
	case staticServer:
		fmt.Fprintf(&b, "\n    server {\n        listen %s;\n        root html;\n\n        location / {\n        }\n    }\n", listen)
	case realisticServer:
		b.WriteString(realisticHTTP(listen))
	}
	b.WriteString("}\n")
	return b.String()
}

// realisticHTTP is the http{} content of scenario g: what a site that
// fronts an API and some files usually carries. It has 20 locations:
// exact, ^~, plain prefixes, and regular expressions (case-sensitive and
// not, with numbered and named captures); a map on the User-Agent; proxy
// headers set at server level and inherited; add_header at both levels; and
// an access log with a custom format that uses the map and upstream
// variables.
func realisticHTTP(listen string) string {
	return `
    map $http_user_agent $client_class {
        default                     desktop;
        ~*(bot|crawler|spider)      crawler;
        ~*(android|iphone|mobile)   mobile;
        ~*(curl|wget|httpie)        cli;
        ~^python-requests/          script;
    }

    log_format bench '$remote_addr - $remote_user [$time_local] "$request" '
                     '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
                     '$client_class $upstream_addr $upstream_status '
                     '$request_time $upstream_response_time';

    server {
        listen ` + listen + `;
        server_name localhost www.example.com;
        root html;
        access_log logs/access.log bench;

        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Connection "";

        add_header X-Client-Class $client_class;
        add_header X-Frame-Options SAMEORIGIN;

        location = / {
            return 302 /index.html;
        }
        location = /health {
            access_log off;
            return 200 "ok\n";
        }
        location = /favicon.ico {
            access_log off;
            return 204;
        }
        location ^~ /.well-known/acme-challenge/ {
            default_type text/plain;
        }
        location ^~ /static/ {
            expires 7d;
        }
        location /assets/ {
            expires 1d;
        }
        location /admin/ {
            allow 10.0.0.0/8;
            deny all;
            proxy_pass http://backend;
        }
        location /auth/ {
            proxy_pass http://backend;
        }
        location /api/v1/ {
            proxy_pass http://backend;
        }
        location /api/v2/ {
            proxy_pass http://backend;
        }
        location /images/ {
            proxy_pass http://backend;
        }
        location /downloads/ {
            proxy_pass http://backend;
        }
        location ~ \.php$ {
            return 403;
        }
        location ~* \.(?:png|jpe?g|gif|svg|ico|webp)$ {
            expires 30d;
        }
        location ~* \.(?:css|js|woff2?)$ {
            expires 7d;
        }
        location ~ ^/api/v1/orders/(?<order>[0-9]+)$ {
            proxy_pass http://backend;
            add_header X-Order $order;
        }
        location ~ ^/api/v2/users/([0-9]+)/profile$ {
            proxy_pass http://backend;
            add_header X-User $1;
            add_header X-Client-Class $client_class;
        }
        location ~ ^/api/v2/users/([0-9]+)/(avatar|settings)$ {
            proxy_pass http://backend;
        }
        location ~ /\. {
            deny all;
        }
        location / {
            proxy_pass http://backend;
        }
    }
`
}
