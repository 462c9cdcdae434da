package dyntest

import (
	"strings"
	"testing"
)

// DataConf is the data-plane njet.conf of OpenNJet's recordings, reduced
// to the parts GoNJet's dynamic modules act on: two upstreams with zones
// on the backends 127.0.0.1:9001-9003, and the servers on 8080 and 8090.
const DataConf = `
events { worker_connections 1024; }
http {
    access_log off;
    upstream backend1 {
        zone backend1 256k;
        server 127.0.0.1:9001;
        server 127.0.0.1:9002;
    }
    upstream backend2 {
        zone backend2 256k;
        server 127.0.0.1:9003;
    }
    server {
        listen 127.0.0.1:8080;
        location / {
            return 200 "root\n";
        }
        location /demo {
            proxy_pass http://backend1;
        }
        location /demo2 {
            proxy_pass http://backend2;
        }
    }
    server {
        listen 127.0.0.1:8090;
        server_name server-90;
        location / {
            return 200 "server-90 root\n";
        }
        location /demo {
            proxy_pass http://backend1;
        }
    }
}
`

// Recorded runs the recordings' setup: three backends standing in for
// 127.0.0.1:9001-9003, the data plane of DataConf (or conf) pointing at
// them, and the rewrite map from recorded to real addresses and prefix.
func Recorded(t testing.TB, conf string, opt Options) (*Env, map[string]string) {
	t.Helper()
	if conf == "" {
		conf = DataConf
	}
	bs := Backends(t, 3)
	rewrite := map[string]string{}
	for i, b := range bs {
		rewrite["127.0.0.1:900"+string(rune('1'+i))] = b.Addr
	}
	for from, to := range rewrite {
		conf = strings.ReplaceAll(conf, from, to)
	}
	e := New(t, conf, opt)
	rewrite["/usr/local/njet/"] = e.Prefix
	return e, rewrite
}
