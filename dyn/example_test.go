package dyn_test

import (
	"context"
	"fmt"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dynups"
	"github.com/gonjet/gonjet/dyn/upstreamapi"
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// A data plane whose upstreams are changed at run time from Go, the
// same way the HTTP API changes them.
func Example() {
	nodes, _ := conf.Parse("", []byte(`
events {}
http {
    upstream backend { zone backend 64k; server 127.0.0.1:9001; }
    server { listen 127.0.0.1:8080; location / { proxy_pass http://backend; } }
}`))
	g, _ := gateway.New(nil)
	store := dyn.OpenMemory() // dyn.OpenBolt("data/dyn.db") to keep changes
	defer store.Close()
	rt, _ := dyn.NewRuntime(store, g, nodes, conf.Options{})
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Stop()
	dyn.SetDefault(rt) // for njet_ctrl.conf's dyn_module_api

	addr := "127.0.0.1:9002"
	s, _ := upstreamapi.AddServer(ctx, rt, "backend", upstreamapi.Patch{Server: &addr})
	fmt.Println("added", s.ID, s.Server)
	_ = dynups.Add(ctx, rt, "canary", "zone canary 64k; least_conn;")
	list, _ := dynups.List(ctx, rt)
	for _, u := range list {
		fmt.Println(u.Name, u.Balance, u.IsStatic)
	}
	// Output:
	// added 1 127.0.0.1:9002
	// backend round_robin true
	// canary least_conn false
}
