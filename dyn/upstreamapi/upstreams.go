package upstreamapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/upstream"
)

// Upstream is the status of one upstream group (OpenNJet's
// NjetHTTPUpstream).
type Upstream struct {
	Name      string `json:"name"`
	Peers     []Peer `json:"peers"`
	Keepalive int    `json:"keepalive"`
	Zombies   int    `json:"zombies"`
	Zone      string `json:"zone"`
}

// Peer is the status of one member (NjetHTTPUpstreamPeer). Response
// counters are reported as OpenNJet v3.3.0 does: all zero, "codes" a
// string.
type Peer struct {
	ID           int          `json:"id"`
	Server       string       `json:"server"`
	Name         string       `json:"name"`
	Backup       bool         `json:"backup"`
	Weight       int          `json:"weight"`
	State        string       `json:"state"`
	Active       int64        `json:"active"`
	MaxConns     int          `json:"max_conns,omitempty"`
	Requests     uint64       `json:"requests"`
	Responses    Responses    `json:"responses"`
	Sent         uint64       `json:"sent"`
	Received     uint64       `json:"received"`
	Fails        uint64       `json:"fails"`
	Unavail      uint64       `json:"unavail"`
	HealthChecks HealthChecks `json:"health_checks"`
	Downtime     int64        `json:"downtime"`
}

// Responses counts answers by class.
type Responses struct {
	One   uint64 `json:"one"`
	Two   uint64 `json:"two"`
	Three uint64 `json:"three"`
	Four  uint64 `json:"four"`
	Five  uint64 `json:"five"`
	Codes string `json:"codes"`
	Total uint64 `json:"total"`
}

// HealthChecks counts active health checks.
type HealthChecks struct {
	Checks    uint64 `json:"checks"`
	Fails     uint64 `json:"fails"`
	Unhealthy uint64 `json:"unhealthy"`
}

// Patch is the body of an add (POST) or change (PATCH) of a member; nil
// fields are not given. Drain and Service are accepted as OpenNJet does.
type Patch struct {
	Server      *string `json:"server"`
	Weight      *int    `json:"weight"`
	MaxConns    *int    `json:"max_conns"`
	MaxFails    *int    `json:"max_fails"`
	FailTimeout *string `json:"fail_timeout"`
	SlowStart   *string `json:"slow_start"`
	Route       *string `json:"route"`
	Backup      *bool   `json:"backup"`
	Down        *bool   `json:"down"`
	Drain       *bool   `json:"drain"`
	Service     *string `json:"service"`
}

// groupInfo is what the configuration says about an upstream group.
type groupInfo struct {
	node     *conf.Node
	zone     string
	backupOK bool // the balancing method has backup servers
	resolver bool // a resolver is configured: host names are allowed
}

// lookup finds the API-managed (zone) upstream called name in the
// configuration being served.
func lookup(rt *dyn.Runtime, name string) (*groupInfo, error) {
	t := rt.Tree()
	if t == nil {
		return nil, ErrUpstreamNotFound
	}
	up := t.FindUpstream(name)
	if up == nil {
		return nil, ErrUpstreamNotFound
	}
	gi := info(t, up)
	if gi.zone == "" {
		return nil, ErrUpstreamNotFound
	}
	return gi, nil
}

func info(t *dyn.Tree, up *conf.Node) *groupInfo {
	gi := &groupInfo{node: up, backupOK: true}
	for _, c := range up.Block {
		switch c.Name {
		case "zone":
			if len(c.Args) > 0 {
				gi.zone = c.Args[0]
			}
		case "hash", "ip_hash", "random":
			gi.backupOK = false
		case "resolver":
			gi.resolver = true
		}
	}
	if dyn.Directive(t.HTTP(), "resolver") != nil {
		gi.resolver = true
	}
	return gi
}

// load returns the member list of a group: the stored one, or the one of
// njet.conf (IDs in file order) when the API never changed it; ver is the
// stored entry's version, dyn.MustNotExist when there is none.
func load(ctx context.Context, rt *dyn.Runtime, name string, gi *groupInfo) (group, uint64, error) {
	e, ok, err := rt.Store().Get(ctx, Key(name))
	if err != nil {
		return group{}, 0, err
	}
	if ok {
		var g group
		if err := json.Unmarshal(e.Value, &g); err != nil {
			return group{}, 0, err
		}
		return g, e.Version, nil
	}
	var g group
	for _, c := range gi.node.Block {
		if c.Name == "server" && len(c.Args) > 0 && c.Args[0] != placeholder {
			g.Servers = append(g.Servers, fromDirective(g.Next, c))
			g.Next++
		}
	}
	return g, dyn.MustNotExist, nil
}

// setServers replaces the server lines of an upstream block by ms.
func setServers(up *conf.Node, ms []member) {
	at := -1
	kept := up.Block[:0:0]
	for _, c := range up.Block {
		if c.Name == "server" {
			if at < 0 {
				at = len(kept)
			}
			continue
		}
		kept = append(kept, c)
	}
	if at < 0 {
		at = len(kept)
	}
	lines := make([]*conf.Node, 0, len(ms)+1)
	for _, m := range ms {
		lines = append(lines, m.directive())
	}
	blk := make([]*conf.Node, 0, len(kept)+len(lines))
	blk = append(blk, kept[:at]...)
	blk = append(blk, lines...)
	blk = append(blk, kept[at:]...)
	up.Block = blk
	EnsurePrimary(up)
}

// EnsurePrimary adds a placeholder server that is down to an upstream
// block without a primary server, so that it builds: an upstream whose
// members are all gone (or all backups) answers 502 until a member is
// added, as OpenNJet's empty dynamic upstreams do. The upstream API does
// not show the placeholder.
func EnsurePrimary(up *conf.Node) {
	for _, c := range up.Block {
		if c.Name == "server" && !hasArg(c, "backup") {
			return
		}
	}
	up.Block = append(up.Block, dyn.NewNode("server", placeholder, "down"))
}

func hasArg(n *conf.Node, a string) bool {
	for _, x := range n.Args {
		if x == a {
			return true
		}
	}
	return false
}

// updateMu serialises this process's read-modify-write of member lists:
// every change rebuilds the configuration one at a time anyway, and
// without it concurrent writers of one upstream would mostly lose their
// compare-and-set to each other. Writers on other nodes of a cluster can
// still get there first, which the retries absorb.
var updateMu sync.Mutex

// update applies change to the member list of group name and stores it,
// retrying when another writer got there first.
func update(ctx context.Context, rt *dyn.Runtime, name string, change func(gi *groupInfo, g *group) error) error {
	updateMu.Lock()
	defer updateMu.Unlock()
	for attempt := 0; ; attempt++ {
		gi, err := lookup(rt, name)
		if err != nil {
			return err
		}
		g, ver, err := load(ctx, rt, name, gi)
		if err != nil {
			return err
		}
		if err := change(gi, &g); err != nil {
			return err
		}
		val, err := json.Marshal(g)
		if err != nil {
			return err
		}
		err = rt.Change(ctx, dyn.Op{Key: Key(name), Value: val, IfVersion: ver})
		if errors.Is(err, dyn.ErrConflict) && attempt < 16 {
			continue
		}
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return e
			}
			return formatError(err.Error())
		}
		return nil
	}
}

// Servers returns the members of upstream name.
func Servers(ctx context.Context, rt *dyn.Runtime, name string) ([]Server, error) {
	gi, err := lookup(rt, name)
	if err != nil {
		return nil, err
	}
	g, _, err := load(ctx, rt, name, gi)
	if err != nil {
		return nil, err
	}
	out := make([]Server, 0, len(g.Servers))
	for _, m := range g.Servers {
		out = append(out, m.view())
	}
	return out, nil
}

// GetServer returns member id of upstream name.
func GetServer(ctx context.Context, rt *dyn.Runtime, name string, id int) (Server, error) {
	list, err := Servers(ctx, rt, name)
	if err != nil {
		return Server{}, err
	}
	for _, s := range list {
		if s.ID == id {
			return s, nil
		}
	}
	return Server{}, ErrServerNotFound
}

// validate checks the fields common to add and change.
func (p *Patch) validate() error {
	switch {
	case p.Weight != nil && *p.Weight < 1,
		p.MaxConns != nil && *p.MaxConns < 0,
		p.MaxFails != nil && *p.MaxFails < 0,
		p.Route != nil && len(*p.Route) > maxRoute:
		return ErrJSON
	}
	if p.FailTimeout != nil {
		if _, err := conf.ParseSeconds(*p.FailTimeout); err != nil {
			return formatError("invalid parameter \"fail_timeout\"")
		}
	}
	if p.SlowStart != nil {
		if _, err := conf.ParseSeconds(*p.SlowStart); err != nil {
			return formatError("invalid parameter \"slow_start\"")
		}
	}
	return nil
}

// apply sets the given fields on m (the address is handled by the
// caller).
func (p *Patch) apply(m *member) {
	if p.Weight != nil {
		m.Weight, m.ImplicitWeight = *p.Weight, false
	}
	if p.MaxConns != nil {
		m.MaxConns = *p.MaxConns
	}
	if p.MaxFails != nil {
		m.MaxFails = *p.MaxFails
	}
	if p.FailTimeout != nil {
		d, _ := conf.ParseSeconds(*p.FailTimeout)
		m.FailTimeout = int64(d / time.Second)
	}
	if p.SlowStart != nil {
		d, _ := conf.ParseSeconds(*p.SlowStart)
		m.SlowStart = int64(d / time.Second)
	}
	if p.Route != nil {
		m.Route = *p.Route
	}
	if p.Down != nil {
		m.Down = *p.Down
	}
}

// AddServer adds a member to upstream name and returns it with its ID.
// Without Weight the member reports weight 100 (as OpenNJet) and
// balances as weight 1.
func AddServer(ctx context.Context, rt *dyn.Runtime, name string, p Patch) (Server, error) {
	if err := p.validate(); err != nil {
		return Server{}, err
	}
	if p.Server == nil || strings.TrimSpace(*p.Server) == "" {
		return Server{}, ErrMissingServer
	}
	addr, literal, err := normalizeAddr(*p.Server)
	if err != nil {
		return Server{}, ErrBadServer
	}
	var added member
	err = update(ctx, rt, name, func(gi *groupInfo, g *group) error {
		switch {
		case !literal && !gi.resolver:
			return ErrNoResolver
		case literal && p.Service != nil && *p.Service != "":
			return formatError("unknown parameter \"service\"")
		case p.Backup != nil && *p.Backup && !gi.backupOK:
			return ErrNoBackup
		}
		m := member{ID: g.Next, Server: addr, Weight: implicitWeight, ImplicitWeight: true,
			MaxFails: defaultMaxFails, FailTimeout: defaultFailTimeout}
		p.apply(&m)
		m.Backup = p.Backup != nil && *p.Backup
		g.Next++
		g.Servers = append(g.Servers, m)
		added = m
		return nil
	})
	if err != nil {
		return Server{}, err
	}
	return added.view(), nil
}

// PatchServer changes member id of upstream name and returns it. Backup
// cannot be changed and is ignored.
func PatchServer(ctx context.Context, rt *dyn.Runtime, name string, id int, p Patch) (Server, error) {
	if err := p.validate(); err != nil {
		return Server{}, err
	}
	var addr string
	if p.Server != nil && strings.TrimSpace(*p.Server) != "" {
		a, literal, err := normalizeAddr(*p.Server)
		if err != nil || !literal {
			return Server{}, ErrBadServer
		}
		addr = a
	}
	var changed member
	err := update(ctx, rt, name, func(gi *groupInfo, g *group) error {
		for i := range g.Servers {
			m := &g.Servers[i]
			if m.ID != id {
				continue
			}
			if p.Service != nil && *p.Service != "" {
				return formatError("unknown parameter \"service\"")
			}
			p.apply(m)
			if addr != "" {
				m.Server = addr
			}
			changed = *m
			return nil
		}
		return ErrServerNotFound
	})
	if err != nil {
		return Server{}, err
	}
	return changed.view(), nil
}

// DeleteServer removes member id of upstream name and returns the
// group's status afterwards.
func DeleteServer(ctx context.Context, rt *dyn.Runtime, name string, id int) (Upstream, error) {
	err := update(ctx, rt, name, func(gi *groupInfo, g *group) error {
		for i, m := range g.Servers {
			if m.ID == id {
				g.Servers = append(g.Servers[:i], g.Servers[i+1:]...)
				return nil
			}
		}
		return ErrServerNotFound
	})
	if err != nil {
		return Upstream{}, err
	}
	return Status(ctx, rt, name)
}

// baselines holds, per runtime, the counters at the last statistics
// reset of every member, keyed by upstream name and member ID.
var baselines sync.Map // *dyn.Runtime → *baseline

type baseline struct {
	mu sync.Mutex
	m  map[string]map[int]upstream.PeerStats
}

func baselineOf(rt *dyn.Runtime) *baseline {
	b, _ := baselines.LoadOrStore(rt, &baseline{m: map[string]map[int]upstream.PeerStats{}})
	return b.(*baseline)
}

// Status returns the status of upstream name.
func Status(ctx context.Context, rt *dyn.Runtime, name string) (Upstream, error) {
	gi, err := lookup(rt, name)
	if err != nil {
		return Upstream{}, err
	}
	return status(ctx, rt, name, gi)
}

// List returns the status of every upstream with a zone, in njet.conf
// order (dynamic upstreams after the static ones).
func List(ctx context.Context, rt *dyn.Runtime) ([]Upstream, error) {
	t := rt.Tree()
	out := []Upstream{}
	if t == nil {
		return out, nil
	}
	for _, up := range dyn.Children(t.HTTP(), "upstream") {
		gi := info(t, up)
		if gi.zone == "" || len(up.Args) == 0 {
			continue
		}
		u, err := status(ctx, rt, up.Args[0], gi)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func status(ctx context.Context, rt *dyn.Runtime, name string, gi *groupInfo) (Upstream, error) {
	g, _, err := load(ctx, rt, name, gi)
	if err != nil {
		return Upstream{}, err
	}
	u := Upstream{Name: name, Peers: []Peer{}, Zone: gi.zone}
	var live []*upstream.Peer
	if cfg := rt.Current(); cfg != nil {
		if lu := upstream.Lookup(cfg, name, 0); lu != nil {
			live = lu.Peers()
		}
	}
	used := make([]bool, len(live))
	b := baselineOf(rt)
	b.mu.Lock()
	base := b.m[name]
	b.mu.Unlock()
	for _, m := range g.Servers {
		p := Peer{ID: m.ID, Server: m.Server, Name: m.Server, Backup: m.Backup, Weight: m.Weight,
			State: "up", MaxConns: m.MaxConns, Responses: Responses{Codes: "{}"}}
		for i, lp := range live {
			if used[i] || lp.Server != m.Server {
				continue
			}
			used[i] = true
			st := lp.Stats()
			bs := base[m.ID]
			p.Name = lp.Name
			p.Active = st.Active
			p.Requests = sub(st.Requests, bs.Requests)
			p.Sent = sub(st.Sent, bs.Sent)
			p.Received = sub(st.Received, bs.Received)
			p.Fails = sub(st.Failures, bs.Failures)
			if !m.Down && lp.Unavailable() {
				p.State = "unavail"
			}
			break
		}
		if m.Down {
			p.State = "down"
		}
		u.Peers = append(u.Peers, p)
	}
	return u, nil
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// ResetStats zeroes the statistics of every member of upstream name.
func ResetStats(ctx context.Context, rt *dyn.Runtime, name string) error {
	gi, err := lookup(rt, name)
	if err != nil {
		return err
	}
	g, _, err := load(ctx, rt, name, gi)
	if err != nil {
		return err
	}
	var live []*upstream.Peer
	if cfg := rt.Current(); cfg != nil {
		if lu := upstream.Lookup(cfg, name, 0); lu != nil {
			live = lu.Peers()
		}
	}
	snap := map[int]upstream.PeerStats{}
	used := make([]bool, len(live))
	for _, m := range g.Servers {
		for i, lp := range live {
			if !used[i] && lp.Server == m.Server {
				used[i] = true
				snap[m.ID] = lp.Stats()
				break
			}
		}
	}
	b := baselineOf(rt)
	b.mu.Lock()
	b.m[name] = snap
	b.mu.Unlock()
	return nil
}
