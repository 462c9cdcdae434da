package dyntest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// CtrlConf is the control-plane configuration of OpenNJet's recordings
// (njet_ctrl.conf), reduced to what GoNJet serves.
const CtrlConf = `
events { worker_connections 1024; }
http {
    access_log off;
    config_req_pool_size 1000;
    server {
        listen 127.0.0.1:8081;
        location / {
            return 200 "njet control panel\n";
        }
        location /api {
            dyn_module_api;
        }
        location /doc {
            doc_api;
        }
    }
}
`

// Options tune New.
type Options struct {
	// Store is the store to use; nil opens a memory store (closed with
	// the test).
	Store dyn.Store
	// Prefix is the data plane's prefix directory; empty makes one.
	Prefix string
	// Ctrl is the control-plane configuration; empty uses CtrlConf.
	Ctrl string
}

// Env is a running data plane with its control plane.
type Env struct {
	T      testing.TB
	RT     *dyn.Runtime
	Store  dyn.Store
	Data   *gateway.Gateway
	Ctrl   *gateway.Gateway
	Prefix string
}

// New parses dataConf as the base njet.conf, starts a Runtime over it
// (replaying the store), makes it the default runtime and loads the
// control plane. Everything stops when the test ends.
func New(t testing.TB, dataConf string, opt Options) *Env {
	t.Helper()
	prefix := opt.Prefix
	if prefix == "" {
		prefix = t.TempDir() + "/"
	}
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	store := opt.Store
	if store == nil {
		store = dyn.OpenMemory()
		t.Cleanup(func() { store.Close() })
	}
	nodes, err := conf.Parse("", []byte(dataConf))
	if err != nil {
		t.Fatalf("dyntest: data plane: %v", err)
	}
	g, _ := gateway.New(nil)
	copt := conf.Options{Prefix: prefix}
	rt, err := dyn.NewRuntime(store, g, nodes, copt)
	if err != nil {
		t.Fatal(err)
	}
	rt.Logf = func(format string, args ...any) { t.Logf("dyn: "+format, args...) }
	if err := rt.Start(context.Background()); err != nil {
		t.Fatalf("dyntest: start: %v", err)
	}
	t.Cleanup(rt.Stop)
	t.Cleanup(g.Close)
	dyn.SetDefault(rt)
	t.Cleanup(func() {
		if dyn.Default() == rt {
			dyn.SetDefault(nil)
		}
	})
	ctrl := opt.Ctrl
	if ctrl == "" {
		ctrl = CtrlConf
	}
	return &Env{T: t, RT: rt, Store: store, Data: g, Ctrl: gatewaytest.Load(t, ctrl), Prefix: prefix}
}

// API sends a request to the control plane; headers are "Name: value"
// strings.
func (e *Env) API(method, path, body string, headers ...string) *gatewaytest.Response {
	req := gatewaytest.NewRequest(method, path)
	if body != "" || method == "POST" || method == "PUT" || method == "PATCH" {
		gatewaytest.WithBody(req, body)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return gatewaytest.Do(e.Ctrl, req)
}

// Get sends GET target to the data plane on listen socket listen ("" for
// the first one).
func (e *Env) Get(listen, target string) *gatewaytest.Response {
	req := gatewaytest.NewRequest("GET", target)
	req.Conn.Listen = listen
	return gatewaytest.Do(e.Data, req)
}

// Backend is a test HTTP server answering "backend <name>" on /, and
// "backend <name> demo" under /demo.
type Backend struct {
	Addr string
	srv  *httptest.Server
}

// Backends starts n backends named after the ports OpenNJet's recordings
// used (9001, 9002, ...) on ports from the OS.
func Backends(t testing.TB, n int) []*Backend {
	t.Helper()
	out := make([]*Backend, n)
	for i := range out {
		name := fmt.Sprint(9001 + i)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body := "backend " + name
			switch {
			case strings.HasPrefix(r.URL.Path, "/demo"):
				body += " demo"
			case strings.HasPrefix(r.URL.Path, "/split"):
				body += " split"
			}
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		out[i] = &Backend{Addr: srv.Listener.Addr().String(), srv: srv}
	}
	return out
}

// FreeAddr returns a loopback address nothing listens on (for a backend
// that refuses connections).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
