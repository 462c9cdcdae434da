package dynups

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/upstreamapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's store name; the API path is /api/v1/dyn_ups and
// the config name "dyn_upstream".
const Name = "dyn_ups"

// ConfigName is the name under /api/v1/config.
const ConfigName = "dyn_upstream"

// Key returns the store key of dynamic upstream name.
func Key(name string) string { return dyn.Key(Name, url.PathEscape(name)) }

// record is the stored form of a dynamic upstream.
type record struct {
	Name string `json:"name"`
	Body string `json:"body"`
	// Seq orders the upstreams as they were added.
	Seq int64 `json:"seq"`
}

// Error is a refusal with OpenNJet's rpc-result code (4 update error, 5
// not allowed) and message.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

type module struct{}

func init() {
	dyn.Register(module{})
	dyn.RegisterConfigName(ConfigName)
	conf.Register(&conf.Module{Name: "dyn_ups", Directives: []conf.Directive{
		// GoNJet has no shared memory to size; the value is checked.
		{Name: "shared_slab_pool_size", Context: conf.Main, Args: conf.Take1, Set: func(_ *conf.Block, n *conf.Node) error {
			if _, err := conf.ParseSize(n.Args[0]); err != nil {
				return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
			}
			return nil
		}},
	}})
}

func (module) Name() string { return Name }
func (module) Order() int   { return dyn.OrderUpstreams }

// addFile is where OpenNJet writes the text of an added upstream before
// parsing it; GoNJet names it the same way so that error messages read
// the same.
func addFile(prefix string) string { return prefix + "logs/4_0_add_ups.txt" }

// Edit inserts every stored upstream into http{}, before the first
// server{} block, in the order they were added.
func (module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	http := t.HTTP()
	if http == nil {
		return nil
	}
	recs := make([]record, 0, len(entries))
	for _, e := range entries {
		var r record
		if err := json.Unmarshal(e.Value, &r); err != nil {
			return err
		}
		recs = append(recs, r)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	for _, r := range recs {
		if t.FindUpstream(r.Name) != nil {
			return &Error{Code: 5, Msg: fmt.Sprintf("error:upstream[%s] exist!", r.Name)}
		}
		n, err := parse(t.Prefix, r.Name, r.Body)
		if err != nil {
			return err
		}
		upstreamapi.EnsurePrimary(n)
		dyn.Insert(http, "server", n)
	}
	return nil
}

// parse reads an upstream body as OpenNJet does: written to a file as
// "upstream NAME {" on line 1 and the body on line 2.
func parse(prefix, name, body string) (*conf.Node, error) {
	file := addFile(prefix)
	if strings.TrimSpace(name) == "" {
		return nil, &Error{Code: 4, Msg: fmt.Sprintf("directive \"upstream\" has no opening \"{\" in %s:1", file)}
	}
	b := strings.TrimSpace(body)
	if b != "" && !strings.HasSuffix(b, ";") && !strings.HasSuffix(b, "}") {
		b += ";"
	}
	nodes, err := conf.Parse(file, []byte("upstream "+quote(name)+" {\n"+b+"\n}\n"))
	if err != nil {
		return nil, &Error{Code: 4, Msg: err.Error()}
	}
	if len(nodes) != 1 || nodes[0].Name != "upstream" {
		return nil, &Error{Code: 4, Msg: fmt.Sprintf("directive \"upstream\" has no opening \"{\" in %s:1", file)}
	}
	up := nodes[0]
	state := dyn.Directive(up, "state") != nil
	kept := up.Block[:0]
	for _, c := range up.Block {
		switch {
		case c.Name == "state":
			// OpenNJet's member state file: the store keeps members.
			continue
		case c.Name != "server" && !conf.HasDirective(c.Name):
			// reported before the zone check, as OpenNJet parses first
			return nil, &Error{Code: 4, Msg: fmt.Sprintf("unknown directive \"%s\" in %s:%d", c.Name, file, c.Line)}
		case c.Name == "server" && !state:
			return nil, &Error{Code: 4, Msg: fmt.Sprintf("\"server\" directive no support of dynamic! in %s:%d", file, c.Line)}
		}
		kept = append(kept, c)
	}
	up.Block = kept
	return up, nil
}

// quote protects a name that is not a plain word.
func quote(s string) string {
	if strings.ContainsAny(s, " \t\r\n;{}\"'\\$#") {
		return "\"" + strings.NewReplacer("\\", "\\\\", "\"", "\\\"").Replace(s) + "\""
	}
	return s
}

// seq makes Seq values increase even within one clock tick.
var lastSeq atomic.Int64

func nextSeq() int64 {
	for {
		now, last := time.Now().UnixNano(), lastSeq.Load()
		if now <= last {
			now = last + 1
		}
		if lastSeq.CompareAndSwap(last, now) {
			return now
		}
	}
}

// Add adds upstream name with the upstream-level directives of body
// ("zone u1 1m; least_conn;"). The errors are *Error with OpenNJet's
// codes and texts.
func Add(ctx context.Context, rt *dyn.Runtime, name, body string) error {
	t := rt.Tree()
	if t != nil && t.FindUpstream(name) != nil {
		return &Error{Code: 5, Msg: fmt.Sprintf("error:upstream[%s] exist!", name)}
	}
	up, err := parse(rt.Prefix(), name, body)
	if err != nil {
		return err
	}
	zone := dyn.Directive(up, "zone")
	if zone == nil || len(zone.Args) == 0 {
		return &Error{Code: 4, Msg: "dyn upstream requires zone directive!"}
	}
	if t != nil {
		for _, other := range dyn.Children(t.HTTP(), "upstream") {
			if z := dyn.Directive(other, "zone"); z != nil && len(z.Args) > 0 && z.Args[0] == zone.Args[0] {
				return &Error{Code: 4, Msg: "upstream zone name exist!"}
			}
		}
	}
	val, _ := json.Marshal(record{Name: name, Body: body, Seq: nextSeq()})
	err = rt.Change(ctx, dyn.Op{Key: Key(name), Value: val, IfVersion: dyn.MustNotExist})
	switch {
	case errors.Is(err, dyn.ErrConflict):
		return &Error{Code: 5, Msg: fmt.Sprintf("error:upstream[%s] exist!", name)}
	case err != nil:
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return &Error{Code: 4, Msg: err.Error()}
	}
	return nil
}

// Delete removes dynamic upstream name with the members the upstream API
// gave it. Upstreams of njet.conf and upstreams a proxy_pass names are
// refused.
func Delete(ctx context.Context, rt *dyn.Runtime, name string) error {
	e, ok, err := rt.Store().Get(ctx, Key(name))
	if err != nil {
		return &Error{Code: 4, Msg: err.Error()}
	}
	if !ok {
		if t := rt.Tree(); t != nil && t.FindUpstream(name) != nil {
			return &Error{Code: 5, Msg: fmt.Sprintf("fail:upstream [%s] is static!", name)}
		}
		return &Error{Code: 5, Msg: fmt.Sprintf("error:no find upstream [%s]!", name)}
	}
	if t := rt.Tree(); t != nil && inUse(t, name) {
		return &Error{Code: 5, Msg: fmt.Sprintf("fail:upstream [%s] is using!", name)}
	}
	err = rt.Change(ctx,
		dyn.Op{Key: Key(name), IfVersion: e.Version},
		dyn.Op{Key: upstreamapi.Key(name)},
	)
	switch {
	case errors.Is(err, dyn.ErrConflict):
		return &Error{Code: 5, Msg: fmt.Sprintf("error:no find upstream [%s]!", name)}
	case err != nil:
		return &Error{Code: 4, Msg: err.Error()}
	}
	return nil
}

// inUse reports whether a proxy_pass of the configuration names the
// upstream (without variables, which are resolved per request).
func inUse(t *dyn.Tree, name string) bool {
	var walk func(nodes []*conf.Node) bool
	walk = func(nodes []*conf.Node) bool {
		for _, n := range nodes {
			if n.Name == "proxy_pass" && len(n.Args) == 1 {
				u := n.Args[0]
				if i := strings.Index(u, "://"); i >= 0 {
					host := u[i+3:]
					if j := strings.IndexAny(host, "/?"); j >= 0 {
						host = host[:j]
					}
					if strings.EqualFold(host, name) {
						return true
					}
				}
			}
			if walk(n.Block) {
				return true
			}
		}
		return false
	}
	return walk(t.Nodes)
}

// Upstream is one entry of GET /api/v1/config/dyn_upstream.
type Upstream struct {
	Name              string `json:"name"`
	Balance           string `json:"balance"`
	Zone              *Zone  `json:"zone,omitempty"`
	State             string `json:"state,omitempty"`
	Keepalive         int    `json:"keepalive,omitempty"`
	KeepaliveRequests int    `json:"keepalive_requests,omitempty"`
	KeepaliveTimeout  int    `json:"keepalive_timeout,omitempty"`
	KeepaliveTime     int    `json:"keepalive_time,omitempty"`
	IsStatic          bool   `json:"is_static"`
}

// Zone is an upstream's shared zone: its name and size in bytes.
type Zone struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// List returns every http upstream{} block, njet.conf's first
// (is_static), then the dynamic ones in the order they were added.
func List(ctx context.Context, rt *dyn.Runtime) ([]Upstream, error) {
	out := []Upstream{}
	t := rt.Tree()
	if t == nil {
		return out, nil
	}
	dynamic := map[string]bool{}
	entries, err := rt.Store().List(ctx, dyn.Prefix(Name))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		var r record
		if json.Unmarshal(e.Value, &r) == nil {
			dynamic[r.Name] = true
		}
	}
	var static, added []Upstream
	for _, up := range dyn.Children(t.HTTP(), "upstream") {
		if len(up.Args) == 0 {
			continue
		}
		u := describe(up)
		u.IsStatic = !dynamic[u.Name]
		if u.IsStatic {
			static = append(static, u)
		} else {
			added = append(added, u)
		}
	}
	return append(append(out, static...), added...), nil
}

func describe(up *conf.Node) Upstream {
	u := Upstream{Name: up.Args[0], Balance: "round_robin"}
	for _, c := range up.Block {
		switch c.Name {
		case "least_conn", "ip_hash", "hash", "random":
			u.Balance = c.Name
		case "zone":
			if len(c.Args) > 0 {
				z := &Zone{Name: c.Args[0]}
				if len(c.Args) > 1 {
					z.Size, _ = conf.ParseSize(c.Args[1])
				}
				u.Zone = z
			}
		case "keepalive":
			u.Keepalive = atoi(c)
		case "keepalive_requests":
			u.KeepaliveRequests = atoi(c)
		case "keepalive_timeout":
			u.KeepaliveTimeout = seconds(c)
		case "keepalive_time":
			u.KeepaliveTime = seconds(c)
		}
	}
	return u
}

func atoi(n *conf.Node) int {
	if len(n.Args) == 0 {
		return 0
	}
	v, _ := conf.ParseNumber(n.Args[0])
	return v
}

func seconds(n *conf.Node) int {
	if len(n.Args) == 0 {
		return 0
	}
	d, err := conf.ParseDuration(n.Args[0])
	if err != nil {
		return 0
	}
	return int(d / time.Second)
}

func (module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Post("/dyn_ups", h.change)
	r.Put("/dyn_ups", h.change)
	r.Get("/config/"+ConfigName, h.list)
	r.Put("/config/"+ConfigName, h.put)
}
