package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// ErrNoLive is returned by Pick when no peer can take the request: every
// peer is down, failed, at its max_conns limit, or already tried by this
// request. nginx logs it as "no live upstreams" and answers 502; the
// $upstream_addr of such a try is the upstream's Name.
var ErrNoLive = errors.New("no live upstreams")

// methodKind is the balancer, resolved once in New so Pick switches on a
// small integer.
type methodKind uint8

const (
	kindRR methodKind = iota
	kindLeastConn
	kindIPHash
	kindHash
	kindCHash
	kindRandom
	kindRandom2
)

// peerSet is one of the two tiers of an upstream: the primary servers or
// the backup servers (nginx's ngx_http_upstream_rr_peers_t).
type peerSet struct {
	peers  []*Peer
	cum    []int // cum[i] is the total weight of peers[0..i]
	total  int   // total weight, down peers included (as nginx)
	single bool  // exactly one primary peer and no backup tier
	backup bool
}

// Upstream is a group of peers and the policy that picks one of them for
// each try of a request. It is built once per configuration snapshot by
// New and is safe for concurrent use; the balancing state of its peers
// (failures, requests in flight, round-robin weights) is shared with the
// Upstream it was built from, so it survives a reload.
type Upstream struct {
	name    string
	method  Method
	kind    methodKind
	primary peerSet
	backup  peerSet
	all     []*Peer
	tries   int
	hashKey *gateway.Template
	points  []chashPoint
	zone    string

	// mu serialises the weighted round-robin bookkeeping (current and
	// effective weights). Upstreams built from one another share it, as
	// they share peer states.
	mu    *sync.Mutex
	clock func() time.Time
	ka    *keepalive
}

// New builds an Upstream from cfg: it resolves the server addresses (each
// address of a host name becomes a peer of its own), applies nginx's
// defaults and prepares the tables of the balancing method.
//
// prev is the Upstream this one replaces (nil if none). A peer whose
// address is also in prev keeps prev's runtime state — failures, requests
// in flight, counters, round-robin position — so a reload neither forgets
// a failed server nor resets max_conns accounting. Requests still running
// on prev report to the same state when they end.
func New(ctx context.Context, cfg Config, prev *Upstream) (*Upstream, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("no servers are inside upstream")
	}
	u, err := newUpstream(cfg)
	if err != nil {
		return nil, err
	}
	res := cfg.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	servers := make([]serverSpec, 0, len(cfg.Servers))
	for i := range cfg.Servers {
		s, err := prepareServer(ctx, res, cfg.Servers[i])
		if err != nil {
			return nil, err
		}
		servers = append(servers, s)
	}
	return build(u, servers, prev)
}

// newUpstream sets up everything but the peers.
func newUpstream(cfg Config) (*Upstream, error) {
	u := &Upstream{
		name:   cfg.Name,
		method: cfg.Balancer,
		zone:   cfg.Zone,
		clock:  cfg.Clock,
	}
	if u.method == nil {
		u.method = RoundRobin{}
	}
	if u.clock == nil {
		u.clock = time.Now
	}
	switch m := u.method.(type) {
	case RoundRobin:
		u.kind = kindRR
	case LeastConn:
		u.kind = kindLeastConn
	case IPHash:
		u.kind = kindIPHash
	case Hash:
		u.kind = kindHash
		if m.Consistent {
			u.kind = kindCHash
		}
		u.hashKey = m.Key
	case Random:
		u.kind = kindRandom
		if m.Two {
			u.kind = kindRandom2
		}
	default:
		return nil, fmt.Errorf("unknown balancing method %q in upstream %q", u.method.String(), cfg.Name)
	}
	u.ka = newKeepalive(&cfg, u.clock)
	return u, nil
}

// serverSpec is a Server with defaults applied and addresses resolved.
type serverSpec struct {
	Server
	eps []endpoint
}

func prepareServer(ctx context.Context, r Resolver, s Server) (serverSpec, error) {
	switch {
	case s.Weight < 0:
		return serverSpec{}, fmt.Errorf("invalid weight %d of server %q", s.Weight, s.Addr)
	case s.Weight == 0:
		s.Weight = DefaultWeight
	}
	if s.MaxConns < 0 {
		return serverSpec{}, fmt.Errorf("invalid max_conns %d of server %q", s.MaxConns, s.Addr)
	}
	s.MaxFails = setting(s.MaxFails, DefaultMaxFails)
	s.FailTimeout = setting(s.FailTimeout, DefaultFailTimeout).Truncate(time.Second)
	eps, err := resolveServer(ctx, r, s.Addr)
	if err != nil {
		return serverSpec{}, err
	}
	return serverSpec{Server: s, eps: eps}, nil
}

// build creates the peers of u from resolved servers, carrying state over
// from prev, and prepares the balancer tables.
func build(u *Upstream, servers []serverSpec, prev *Upstream) (*Upstream, error) {
	var carried map[peerKey]*peerState
	if prev != nil {
		u.mu = prev.mu
		carried = make(map[peerKey]*peerState, len(prev.all))
		seen := map[string]int{}
		for _, p := range prev.all {
			k := peerKey{p.Name, seen[p.Name]}
			seen[p.Name]++
			carried[k] = p.st
		}
	} else {
		u.mu = new(sync.Mutex)
	}

	serverIDs := map[string]int{}
	seen := map[string]int{}
	var primary, backup, reused []*Peer
	for _, s := range servers {
		id, ok := serverIDs[s.Addr]
		if !ok {
			id = len(serverIDs)
			serverIDs[s.Addr] = id
		}
		for _, ep := range s.eps {
			p := &Peer{
				Name:        ep.name,
				Server:      s.Addr,
				Network:     ep.network,
				Addr:        ep.dial,
				Weight:      s.Weight,
				MaxFails:    s.MaxFails,
				FailTimeout: s.FailTimeout,
				MaxConns:    s.MaxConns,
				Backup:      s.Backup,
				Down:        s.Down,
				up:          u,
				serverID:    id,
				failTimeout: int64(s.FailTimeout / time.Second),
				cacheKey:    ep.network + " " + ep.dial,
			}
			k := peerKey{p.Name, seen[p.Name]}
			seen[p.Name]++
			p.st = carried[k]
			if p.st == nil {
				p.st = &peerState{effectiveWeight: p.Weight}
			} else {
				reused = append(reused, p)
			}
			if s.Backup {
				p.index = len(backup)
				backup = append(backup, p)
			} else {
				p.index = len(primary)
				primary = append(primary, p)
			}
		}
	}
	if len(primary) == 0 {
		return nil, fmt.Errorf("no servers in upstream %q", u.name)
	}

	// A peer that lost weight in the reload must not keep balancing with
	// the old one.
	if len(reused) > 0 {
		u.mu.Lock()
		for _, p := range reused {
			if p.st.effectiveWeight > p.Weight {
				p.st.effectiveWeight = p.Weight
			}
		}
		u.mu.Unlock()
	}

	u.primary = newPeerSet(primary, false)
	u.backup = newPeerSet(backup, true)
	u.primary.single = len(primary) == 1 && len(backup) == 0
	u.all = append(append(make([]*Peer, 0, len(primary)+len(backup)), primary...), backup...)
	for _, p := range u.all {
		if !p.Down {
			u.tries++
		}
	}
	if u.kind == kindCHash {
		u.points = chashPoints(primary)
	}
	return u, nil
}

// setting applies the convention of Server and Config fields: zero means
// nginx's default def, a negative value an explicit zero.
func setting[T int | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

type peerKey struct {
	name string
	n    int // occurrence of the same address
}

func newPeerSet(peers []*Peer, backup bool) peerSet {
	s := peerSet{peers: peers, backup: backup, cum: make([]int, len(peers))}
	for i, p := range peers {
		s.total += p.Weight
		s.cum[i] = s.total
	}
	return s
}

// byWeight returns the index of the peer that owns point w of the weight
// line (0 <= w < total), as nginx's walk over the peer list does.
func (s *peerSet) byWeight(w int) int {
	return sort.SearchInts(s.cum, w+1)
}

// Name is the upstream's name: the name of its upstream{} block, or the
// host of an implicit upstream ("127.0.0.1" for proxy_pass
// http://127.0.0.1:8080). nginx shows it in $upstream_addr for a try that
// found no live peer.
func (u *Upstream) Name() string { return u.name }

// Method is the balancing method.
func (u *Upstream) Method() Method { return u.method }

// Zone is the shared memory zone name given by "zone", "" if none.
func (u *Upstream) Zone() string { return u.zone }

// Len is how many tries a request may make on this upstream: the peers
// that are not marked down, primary and backup together. It is nginx's
// initial peer.tries, the natural bound for proxy_next_upstream_tries;
// once a request has made Len tries, nginx answers with the last
// upstream response or error instead of trying again.
func (u *Upstream) Len() int { return u.tries }

// Peers returns every peer, primary ones first, then backup ones, in
// configuration order. The slice must not be modified.
func (u *Upstream) Peers() []*Peer { return u.all }

// HashKey is the key template of the "hash" method, nil for the other
// methods. The caller evaluates it per request and passes the value to
// Pick.
func (u *Upstream) HashKey() *gateway.Template { return u.hashKey }

func (u *Upstream) nowSec() int64 { return u.clock().Unix() }

// Pick chooses the peer for the next try of a request. t is the request's
// selection state (which peers it has tried); clientIP is the client
// address for ip_hash and hashKey the evaluated HashKey for hash; both
// are ignored by the other methods. An IPv4-mapped IPv6 address hashes as
// IPv6, as it does in nginx; pass clientIP.Unmap() when a listener
// reports IPv4 clients that way. An empty hashKey falls back to round
// robin. The peer is counted as busy until
// its Done is called, which must happen exactly once per picked peer.
//
// Pick returns ErrNoLive when no peer is available.
func (u *Upstream) Pick(t *Tried, clientIP netip.Addr, hashKey []byte) (*Peer, error) {
	var p *Peer
	switch u.kind {
	case kindLeastConn:
		p = u.pickLeastConn(t)
	case kindIPHash:
		p = u.pickIPHash(t, clientIP)
	case kindHash:
		p = u.pickHash(t, hashKey)
	case kindCHash:
		p = u.pickCHash(t, hashKey)
	case kindRandom, kindRandom2:
		p = u.pickRandom(t)
	default:
		p = u.pickRR(t)
	}
	if p == nil {
		return nil, ErrNoLive
	}
	p.st.requests.Add(1)
	return p, nil
}

// String describes the upstream as its njet.conf block would.
func (u *Upstream) String() string {
	b := []byte("upstream " + u.name + " {" + u.method.String() + ";")
	for _, p := range u.all {
		b = append(b, " server "...)
		b = append(b, p.Name...)
		if p.Weight != 1 {
			b = append(b, " weight="...)
			b = strconv.AppendInt(b, int64(p.Weight), 10)
		}
		if p.Backup {
			b = append(b, " backup"...)
		}
		if p.Down {
			b = append(b, " down"...)
		}
		b = append(b, ';')
	}
	return string(append(b, " }"...))
}
