package vts

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// DefaultDumpPeriod is how often vhost_traffic_status_dump saves the zone
// unless it names a period.
const DefaultDumpPeriod = 60 * time.Second

// dumpDecl is a vhost_traffic_status_dump directive.
type dumpDecl struct {
	path   string
	period time.Duration
	node   *conf.Node
}

// setDump is "vhost_traffic_status_dump path [period]".
func setDump(bl *conf.Block, n *conf.Node) error {
	st := state(bl.B)
	if st.dump != nil {
		return conf.Duplicate(n)
	}
	d := &dumpDecl{path: bl.B.Path(n.Args[0]), period: DefaultDumpPeriod, node: n}
	if len(n.Args) == 2 {
		p, err := conf.ParseDuration(n.Args[1])
		if err != nil {
			return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[1])
		}
		d.period = p
	}
	st.dump = d
	return nil
}

// dumpRecord is one node in a dump file: the counters, not the time
// samples nor the histograms.
type dumpRecord struct {
	Key      string              `json:"key"`
	Kind     Kind                `json:"kind"`
	Group    string              `json:"group,omitempty"`
	Name     string              `json:"name"`
	Counters [numCounters]uint64 `json:"counters"`
}

// start restores the zone from the dump file when this configuration
// created it, and saves it every period and when the configuration is
// retired.
func (d *dumpDecl) start(b *conf.Builder, z *Zone, created bool) {
	if created {
		if err := z.Restore(d.path); err != nil && !os.IsNotExist(err) {
			b.Warnf(d.node, "vhost_traffic_status_dump: %v", err)
		}
	}
	cfg := b.Config
	save := func() {
		if err := z.Dump(d.path); err != nil && cfg.ErrorLog != nil && cfg.ErrorLog.Enabled(gateway.LevelError) {
			cfg.ErrorLog.Log(gateway.LevelError, 0, "vhost_traffic_status_dump: "+err.Error())
		}
	}
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(d.period)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				save()
			case <-stop:
				return
			}
		}
	}()
	cfg.Closers = append(cfg.Closers, func() {
		once.Do(func() {
			close(stop)
			save()
		})
	})
}

// Dump writes the zone's counters to path (through a temporary file, so
// a reader never sees half a dump).
func (z *Zone) Dump(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	enc := json.NewEncoder(w)
	z.nodes.Range(func(k, v any) bool {
		n := v.(*node)
		r := dumpRecord{Key: k.(string), Kind: n.kind, Group: n.group, Name: n.name}
		for i := range n.shards {
			for j := range r.Counters {
				r.Counters[j] += n.shards[i].c[j].Load()
			}
		}
		err = enc.Encode(&r)
		return err == nil
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Restore adds the counters saved by Dump at path to the zone.
func (z *Zone) Restore(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	for dec.More() {
		var r dumpRecord
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if r.Kind > KindFilter || r.Key != nodeKey(r.Kind, r.Group, r.Name) {
			continue
		}
		n := z.get(r.Key, r.Kind, r.Group, r.Name, nil)
		if n == nil {
			return fmt.Errorf("%s: zone \"%s\" is full", path, z.name)
		}
		for j, v := range r.Counters {
			n.shards[0].c[j].Add(v)
		}
	}
	return nil
}
