package upstream

import (
	"context"
	"net/netip"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// Defaults applied by New when a field is left at its zero value. They are
// nginx's defaults for the same parameters.
const (
	DefaultWeight            = 1
	DefaultMaxFails          = 1
	DefaultFailTimeout       = 10 * time.Second
	DefaultKeepaliveRequests = 1000
	DefaultKeepaliveTimeout  = 60 * time.Second
	DefaultKeepaliveTime     = time.Hour
)

// Server is one member line of an upstream, the Go form of nginx's
//
//	server ADDR [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down] [max_conns=N];
//
// The zero value of every numeric field means "nginx's default". Because
// nginx also accepts an explicit max_fails=0 and fail_timeout=0, those are
// written here as negative values (see MaxFails and FailTimeout).
type Server struct {
	// Addr is "host:port", "host" (port 80), "[v6]:port", or
	// "unix:/path/to/socket". A host name is resolved when New builds the
	// Upstream and every address it resolves to becomes its own peer.
	Addr string

	// Weight is the share of requests relative to the other servers.
	// 0 means 1; negative values are rejected.
	Weight int

	// MaxFails is the number of failed attempts within FailTimeout after
	// which the server is considered unavailable for FailTimeout.
	// 0 means the default (1); a negative value means nginx's max_fails=0,
	// which switches failure accounting off for this server.
	MaxFails int

	// FailTimeout is both the window in which failures are counted and how
	// long a server stays unavailable once MaxFails is reached. nginx keeps
	// it in whole seconds, and so does this package (sub-second parts are
	// dropped). 0 means the default (10s); a negative value means nginx's
	// fail_timeout=0.
	FailTimeout time.Duration

	// Backup marks a server that only receives requests when every primary
	// server is unavailable. Round robin and least_conn support it; the
	// other methods reach backup servers only after they have fallen back
	// to round robin (the njet.conf "server" directive rejects "backup"
	// once such a method is selected, as nginx does).
	Backup bool

	// Down marks the server as permanently unavailable. It still takes its
	// place in hash tables so that keys do not move when it is marked down.
	Down bool

	// MaxConns limits the requests in flight to this server (per resolved
	// address); 0 means unlimited, negative values are rejected.
	MaxConns int
}

// Method is a load-balancing method: one of RoundRobin, LeastConn, IPHash,
// Hash or Random. A nil Method means RoundRobin.
type Method interface {
	// String returns the method as the nginx directive that selects it.
	String() string
	method()
}

// RoundRobin is nginx's default smooth weighted round robin.
type RoundRobin struct{}

// LeastConn sends each request to the server with the fewest requests in
// flight relative to its weight (nginx "least_conn"); ties are broken by
// weighted round robin.
type LeastConn struct{}

// IPHash keys the choice on the client address: the first three octets of
// an IPv4 address or the whole IPv6 address (nginx "ip_hash").
type IPHash struct{}

// Hash keys the choice on a per-request key (nginx "hash KEY [consistent]").
type Hash struct {
	// Key is the key template, for example "$request_uri" compiled against
	// the snapshot's variable table. This package does not evaluate it:
	// the caller evaluates it per request (Upstream.HashKey returns it) and
	// passes the bytes to Pick. An empty key falls back to round robin.
	Key *gateway.Template

	// Consistent selects ketama consistent hashing: adding or removing a
	// server only remaps the keys that belonged to it.
	Consistent bool
}

// Random picks a server at random, weighted (nginx "random [two]").
type Random struct {
	// Two picks two servers at random and takes the one with fewer
	// requests in flight relative to its weight ("random two least_conn",
	// nginx's only method for "two").
	Two bool
}

func (RoundRobin) method() {}
func (LeastConn) method()  {}
func (IPHash) method()     {}
func (Hash) method()       {}
func (Random) method()     {}

// String implements Method.
func (RoundRobin) String() string { return "round_robin" }

// String implements Method.
func (LeastConn) String() string { return "least_conn" }

// String implements Method.
func (IPHash) String() string { return "ip_hash" }

// String implements Method.
func (h Hash) String() string {
	s := "hash"
	if h.Key != nil {
		s += " " + h.Key.Raw()
	}
	if h.Consistent {
		s += " consistent"
	}
	return s
}

// String implements Method.
func (r Random) String() string {
	if r.Two {
		return "random two least_conn"
	}
	return "random"
}

// Resolver looks up the addresses of a host name. *net.Resolver satisfies
// it; tests pass a fake.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config describes one upstream group, the Go form of an nginx
// "upstream NAME { ... }" block.
type Config struct {
	// Name is the upstream's name; nginx shows it in $upstream_addr when no
	// server could be tried.
	Name string

	// Servers are the members in configuration order. The order matters:
	// round robin ties and hash tables follow it.
	Servers []Server

	// Balancer is the load-balancing method; nil means RoundRobin.
	Balancer Method

	// Keepalive is the number of idle connections to keep open for reuse
	// across all servers of this upstream (nginx "keepalive N"); when more
	// would be kept the least recently used is closed. 0 switches the
	// connection cache off.
	Keepalive int

	// KeepaliveRequests is how many requests one connection may serve
	// before it is closed instead of cached. 0 means 1000; a negative
	// value means nginx's "keepalive_requests 0" (never cache).
	KeepaliveRequests int

	// KeepaliveTimeout is how long an idle connection stays cached.
	// 0 means 60s; a negative value means "keepalive_timeout 0" (an idle
	// connection is closed at once).
	KeepaliveTimeout time.Duration

	// KeepaliveTime is the longest life of a connection: once it is older,
	// it is closed when its current request ends. 0 means 1h; a negative
	// value means "keepalive_time 0".
	KeepaliveTime time.Duration

	// Zone is the name of nginx's shared memory zone. It is accepted and
	// reported but has no effect: peer state is always shared by every
	// goroutine of the process.
	Zone string

	// Resolver resolves host names in Servers; nil means net.DefaultResolver.
	Resolver Resolver

	// Clock returns the current time; nil means time.Now. Tests set it to
	// drive fail_timeout and keepalive timeouts without sleeping.
	Clock func() time.Time
}
