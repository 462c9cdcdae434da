package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gonjet/gonjet/dyn"
	_ "github.com/gonjet/gonjet/dyn/all"
	"github.com/gonjet/gonjet/dyn/mqttstore"
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/listener"
)

// control is OpenNJet's control plane run in-process: "helper ctrl
// MODULE njet_ctrl.conf" starts it. The data plane's dynamic state lives
// in a DynamicStore under the data directory; njet_ctrl.conf is a second
// gateway, on its own sockets, whose dyn_module_api locations change the
// data plane through the runtime.
type control struct {
	rt    *dyn.Runtime
	store dyn.Store
	file  string // njet_ctrl.conf
	g     *gateway.Gateway
	set   listener.Set
}

// helper returns the "helper NAME ..." directive of the configuration.
func helper(res *conf.Result, name string) (conf.HelperSpec, bool) {
	for _, h := range res.Builder.Main.Helpers {
		if h.Name == name {
			return h, true
		}
	}
	return conf.HelperSpec{}, false
}

// buildOptions are the options every data-plane build uses.
func (pr *process) buildOptions() conf.Options {
	opt := conf.Options{Prefix: pr.p.prefix, Globals: pr.o.globals}
	if pr.p.confFile != "" {
		opt.ConfPrefix = filepath.Dir(pr.p.confFile) + "/"
	}
	return opt
}

// startControl starts the dynamic runtime over the data plane and the
// control-plane gateway of njet_ctrl.conf.
func (pr *process) startControl(res *conf.Result, h conf.HelperSpec) error {
	if h.Conf == "" {
		return fmt.Errorf("helper \"ctrl\" needs a configuration file")
	}
	store, err := pr.openStore(res)
	if err != nil {
		return err
	}
	ct := &control{store: store, file: inPrefix(pr.p.prefix, h.Conf)}
	rt, err := dyn.NewRuntime(store, pr.g, res.Nodes, pr.buildOptions())
	if err != nil {
		store.Close()
		return err
	}
	rt.Load = func(r *conf.Result) error {
		cfg := pr.withLog(r.Config)
		if err := cfg.Prepare(); err != nil {
			return err
		}
		if err := pr.set.ApplyConfig(cfg); err != nil {
			return err
		}
		return pr.g.Load(cfg)
	}
	rt.Logf = func(format string, args ...any) {
		pr.log.Log(gateway.LevelError, 0, fmt.Sprintf(format, args...))
	}
	if err := rt.Start(context.Background()); err != nil {
		store.Close()
		return err
	}
	ct.rt = rt
	dyn.SetDefault(rt)

	cres, err := conf.LoadFile(ct.file, conf.Options{Prefix: pr.p.prefix})
	if err == nil {
		ct.g, err = gateway.New(pr.withLog(cres.Config))
	}
	if err == nil {
		err = ct.set.ApplyConfig(cres.Config)
	}
	if err != nil {
		rt.Stop()
		store.Close()
		return err
	}
	go ct.set.Serve(listener.NewHTTP1(ct.g))
	pr.ctrl = ct
	return nil
}

// openStore opens the DynamicStore dyn_store names: the bbolt file in the
// data directory, or the retained state on an MQTT broker shared by the
// nodes of cluster_name.
func (pr *process) openStore(res *conf.Result) (dyn.Store, error) {
	server := dyn.StoreServer(res.Builder)
	if server == "" || server == "bolt" {
		dataDir := pr.p.dataDir + "data/"
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, err
		}
		return dyn.OpenBolt(dataDir + "dyn.db")
	}
	cluster := res.Builder.Main.ClusterName
	if cluster == "" {
		cluster = "njet"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mqttstore.Open(ctx, mqttstore.Options{Server: server, Root: "gonjet/" + cluster})
	if err != nil {
		return nil, fmt.Errorf("dyn_store %s: %w", server, err)
	}
	return s, nil
}

// reload re-reads njet_ctrl.conf.
func (ct *control) reload(pr *process) error {
	cres, err := conf.LoadFile(ct.file, conf.Options{Prefix: pr.p.prefix, Prev: ct.g.Config()})
	if err != nil {
		return err
	}
	cfg := pr.withLog(cres.Config)
	if err := cfg.Prepare(); err != nil {
		return err
	}
	if err := ct.set.ApplyConfig(cfg); err != nil {
		return err
	}
	return ct.g.Load(cfg)
}

func (ct *control) stop(graceful bool) {
	if graceful {
		ct.set.Shutdown(context.Background())
	} else {
		ct.set.Close()
	}
	ct.g.Close()
	ct.rt.Stop()
	ct.store.Close()
}
