package upstream

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// extKey is the key of this package's registry in gateway.Config.Ext: the
// upstreams of a snapshot, for run-time lookups and for the next reload
// to carry peer state over.
const extKey = "upstream"

// Server parameters a balancing method accepts (nginx's
// NGX_HTTP_UPSTREAM_* flags).
const (
	flagWeight = 1 << iota
	flagMaxConns
	flagMaxFails
	flagFailTimeout
	flagDown
	flagBackup

	flagsAll  = flagWeight | flagMaxConns | flagMaxFails | flagFailTimeout | flagDown | flagBackup
	flagsHash = flagsAll &^ flagBackup
)

// minZoneSize is nginx's smallest upstream zone: eight 4 KiB pages.
const minZoneSize = 8 * 4096

// hostResolver resolves the host names of njet.conf upstreams and of
// Resolve; tests replace it.
var hostResolver Resolver = net.DefaultResolver

func init() {
	conf.Register(&conf.Module{
		Name:   "upstream",
		Finish: finish,
		Directives: []conf.Directive{
			{Name: "upstream", Context: conf.HTTP, Args: conf.Take1, Block: true, Set: setUpstream},
			{Name: "server", Context: conf.Upstream, Args: conf.OneOrMore, Set: setServer},
			{Name: "least_conn", Context: conf.Upstream, Args: conf.NoArgs, Set: setLeastConn},
			{Name: "ip_hash", Context: conf.Upstream, Args: conf.NoArgs, Set: setIPHash},
			{Name: "hash", Context: conf.Upstream, Args: conf.Take12, Set: setHash},
			{Name: "random", Context: conf.Upstream, Args: conf.NoArgs | conf.Take12, Set: setRandom},
			{Name: "keepalive", Context: conf.Upstream, Args: conf.Take1, Set: setKeepalive},
			{Name: "keepalive_requests", Context: conf.Upstream, Args: conf.Take1, Set: setKeepaliveRequests},
			{Name: "keepalive_timeout", Context: conf.Upstream, Args: conf.Take1, Set: setKeepaliveTimeout},
			{Name: "keepalive_time", Context: conf.Upstream, Args: conf.Take1, Set: setKeepaliveTime},
			{Name: "zone", Context: conf.Upstream, Args: conf.Take12, Set: setZone},
		},
	})
}

// registry holds the upstreams of one snapshot.
type registry struct {
	byName   map[string]*Upstream // explicit upstream{} blocks, lower-case name
	implicit []*implicitRef
	zones    map[string]*zoneDecl
}

// implicitRef is an upstream created by a proxy_pass without upstream{}
// block (nginx's implicit upstream).
type implicitRef struct {
	host    string
	port    int // as written; 0 when the URL had none
	defPort int
	node    *conf.Node
	u       *Upstream
	err     error // resolving failed; reported by finish unless an upstream{} of that name turns up
}

type zoneDecl struct {
	size int64
	node *conf.Node
}

func newRegistry() *registry {
	return &registry{byName: map[string]*Upstream{}, zones: map[string]*zoneDecl{}}
}

// reg returns the registry of the snapshot being built, publishing it in
// the snapshot's Ext.
func reg(b *conf.Builder) *registry {
	return b.State(extKey, func() any {
		r := newRegistry()
		if b.Config.Ext == nil {
			b.Config.Ext = map[string]any{}
		}
		b.Config.Ext[extKey] = r
		return r
	}).(*registry)
}

func prevReg(b *conf.Builder) *registry {
	if b.Prev == nil {
		return nil
	}
	r, _ := b.Prev.Ext[extKey].(*registry)
	return r
}

// decl is the upstream{} block being read: bl.Data of its inner
// directives.
type decl struct {
	cfg       Config
	servers   []serverSpec
	flags     int
	methodSet bool
	kaSet     bool
	resolver  Resolver
}

func setUpstream(bl *conf.Block, n *conf.Node) error {
	r := reg(bl.B)
	name := n.Args[0]
	key := strings.ToLower(name)
	if _, dup := r.byName[key]; dup {
		return conf.Errorf(n, "duplicate upstream \"%s\"", name)
	}
	for _, ref := range r.implicit {
		if ref.port != 0 && strings.EqualFold(ref.host, name) {
			return conf.Errorf(ref.node, "upstream \"%s\" may not have port %d", ref.host, ref.port)
		}
	}

	d := &decl{cfg: Config{Name: name}, flags: flagsAll, resolver: hostResolver}
	if _, err := bl.Nest(n, conf.Upstream, nil, d); err != nil {
		return err
	}
	if len(d.servers) == 0 {
		return conf.Errorf(n, "no servers are inside upstream")
	}

	var prev *Upstream
	if pr := prevReg(bl.B); pr != nil {
		prev = pr.byName[key]
	}
	u, err := assemble(d.cfg, d.servers, prev)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	r.byName[key] = u
	if u.ka != nil {
		bl.B.Config.Closers = append(bl.B.Config.Closers, u.Close)
	}
	return nil
}

// assemble is New for servers already resolved.
func assemble(cfg Config, servers []serverSpec, prev *Upstream) (*Upstream, error) {
	cfg.Resolver = nil
	u, err := newUpstream(cfg)
	if err != nil {
		return nil, err
	}
	return build(u, servers, prev)
}

func setServer(bl *conf.Block, n *conf.Node) error {
	d := bl.Data.(*decl)
	s := Server{Addr: n.Args[0]}
	for _, a := range n.Args[1:] {
		var flag int
		ok := true
		switch {
		case strings.HasPrefix(a, "weight="):
			flag = flagWeight
			s.Weight, ok = atoi(a[7:])
			ok = ok && s.Weight != 0
		case strings.HasPrefix(a, "max_conns="):
			flag = flagMaxConns
			s.MaxConns, ok = atoi(a[10:])
		case strings.HasPrefix(a, "max_fails="):
			flag = flagMaxFails
			s.MaxFails, ok = atoi(a[10:])
			if s.MaxFails == 0 {
				s.MaxFails = -1
			}
		case strings.HasPrefix(a, "fail_timeout="):
			flag = flagFailTimeout
			s.FailTimeout, ok = parseSeconds(a[13:])
			if s.FailTimeout == 0 {
				s.FailTimeout = -1
			}
		case a == "backup":
			flag = flagBackup
			s.Backup = true
		case a == "down":
			flag = flagDown
			s.Down = true
		default:
			ok = false
		}
		if ok && d.flags&flag == 0 {
			return conf.Errorf(n, "balancing method does not support parameter \"%s\"", a)
		}
		if !ok {
			return conf.Errorf(n, "invalid parameter \"%s\"", a)
		}
	}
	spec, err := prepareServer(context.Background(), d.resolver, s)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	d.servers = append(d.servers, spec)
	d.cfg.Servers = append(d.cfg.Servers, s)
	return nil
}

// setMethod records the balancing method and the server parameters it
// supports; servers already read keep theirs, as in nginx.
func setMethod(bl *conf.Block, n *conf.Node, m Method, flags int) {
	d := bl.Data.(*decl)
	if d.methodSet {
		bl.B.Warnf(n, "load balancing method redefined")
	}
	d.methodSet = true
	d.cfg.Balancer = m
	d.flags = flags
}

func setLeastConn(bl *conf.Block, n *conf.Node) error {
	setMethod(bl, n, LeastConn{}, flagsAll)
	return nil
}

func setIPHash(bl *conf.Block, n *conf.Node) error {
	setMethod(bl, n, IPHash{}, flagsHash)
	return nil
}

func setHash(bl *conf.Block, n *conf.Node) error {
	key, err := bl.Template(n, n.Args[0])
	if err != nil {
		return err
	}
	h := Hash{Key: key}
	if len(n.Args) == 2 {
		if n.Args[1] != "consistent" {
			return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[1])
		}
		h.Consistent = true
	}
	setMethod(bl, n, h, flagsHash)
	return nil
}

func setRandom(bl *conf.Block, n *conf.Node) error {
	setMethod(bl, n, Random{}, flagsHash)
	if len(n.Args) == 0 {
		return nil
	}
	if n.Args[0] != "two" {
		return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[0])
	}
	if len(n.Args) == 2 && n.Args[1] != "least_conn" {
		return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[1])
	}
	bl.Data.(*decl).cfg.Balancer = Random{Two: true}
	return nil
}

func setKeepalive(bl *conf.Block, n *conf.Node) error {
	d := bl.Data.(*decl)
	if d.kaSet {
		return conf.Duplicate(n)
	}
	v, ok := atoi(n.Args[0])
	if !ok {
		return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
	}
	d.kaSet = true
	d.cfg.Keepalive = v
	return nil
}

func setKeepaliveRequests(bl *conf.Block, n *conf.Node) error {
	if err := bl.Once(n); err != nil {
		return err
	}
	v, ok := atoi(n.Args[0])
	if !ok {
		return conf.DirectiveError(n, "invalid number")
	}
	if v == 0 {
		v = -1
	}
	bl.Data.(*decl).cfg.KeepaliveRequests = v
	return nil
}

func setKeepaliveTimeout(bl *conf.Block, n *conf.Node) error {
	return setMsec(bl, n, &bl.Data.(*decl).cfg.KeepaliveTimeout)
}

func setKeepaliveTime(bl *conf.Block, n *conf.Node) error {
	return setMsec(bl, n, &bl.Data.(*decl).cfg.KeepaliveTime)
}

// setMsec is nginx's ngx_conf_set_msec_slot; an explicit zero is stored
// as a negative duration (see Config).
func setMsec(bl *conf.Block, n *conf.Node, dst *time.Duration) error {
	if err := bl.Once(n); err != nil {
		return err
	}
	v, err := conf.ParseDuration(n.Args[0])
	if err != nil {
		return conf.InvalidValue(n)
	}
	if v == 0 {
		v = -1
	}
	*dst = v
	return nil
}

func setZone(bl *conf.Block, n *conf.Node) error {
	name := n.Args[0]
	if name == "" {
		return conf.Errorf(n, "invalid zone name \"%s\"", name)
	}
	var size int64
	if len(n.Args) == 2 {
		v, err := conf.ParseSize(n.Args[1])
		if err != nil {
			return conf.Errorf(n, "invalid zone size \"%s\"", n.Args[1])
		}
		if v < minZoneSize {
			return conf.Errorf(n, "zone \"%s\" is too small", name)
		}
		size = v
	}
	zones := reg(bl.B).zones
	z := zones[name]
	switch {
	case z == nil:
		zones[name] = &zoneDecl{size: size, node: n}
	case z.size == 0:
		z.size = size
	case size != 0 && size != z.size:
		return conf.Errorf(n, "the size %d of shared memory zone \"%s\" conflicts with already declared size %d", size, name, z.size)
	}
	bl.Data.(*decl).cfg.Zone = name
	return nil
}

// finish binds the implicit upstreams: to an upstream{} block of the same
// name declared after the proxy_pass that used it, or else to the
// addresses their host resolved to.
func finish(b *conf.Builder) error {
	r := reg(b)
	for _, ref := range r.implicit {
		if u := r.byName[strings.ToLower(ref.host)]; u != nil {
			if ref.port != 0 {
				return conf.Errorf(ref.node, "upstream \"%s\" may not have port %d", ref.host, ref.port)
			}
			*ref.u = *u
			continue
		}
		if ref.err != nil {
			return conf.Errorf(ref.node, "%v", ref.err)
		}
	}
	for name, z := range r.zones {
		if z.size == 0 {
			return &conf.Error{Msg: fmt.Sprintf("zero size shared memory zone \"%s\"", name)}
		}
	}
	return nil
}

// Find returns the upstream{} block called name (case-insensitive) of the
// configuration being built, or nil when none has been read so far.
func Find(b *conf.Builder, name string) *Upstream {
	return reg(b).byName[strings.ToLower(name)]
}

// Implicit returns the upstream a "proxy_pass http://HOSTPORT" without a
// matching upstream{} block uses: every address the host resolves to, in
// round robin, with nginx's defaults (max_fails=1 fail_timeout=10s). Pass
// hostport as written in the URL: "host", "host:port", "[v6]:port" or
// "unix:/path"; without a port, port 80 is used, and an upstream{} block
// of that name (even one that comes later in the file) takes precedence,
// as in nginx. Resolution errors read `host not found in upstream "host"`
// and are placed at n. Uses of the same host and port share one Upstream.
func Implicit(b *conf.Builder, n *conf.Node, hostport string) (*Upstream, error) {
	return ImplicitDefault(b, n, hostport, 80)
}

// ImplicitDefault is Implicit with another default port (443 for https).
func ImplicitDefault(b *conf.Builder, n *conf.Node, hostport string, defaultPort int) (*Upstream, error) {
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return nil, conf.Errorf(n, "%v in upstream \"%s\"", err, hostport)
	}
	r := reg(b)
	if u := r.byName[strings.ToLower(host)]; u != nil {
		if port != 0 {
			return nil, conf.Errorf(n, "upstream \"%s\" may not have port %d", host, port)
		}
		return u, nil
	}
	eff := port
	if eff == 0 {
		eff = defaultPort
	}
	for _, ref := range r.implicit {
		p := ref.port
		if p == 0 {
			p = ref.defPort
		}
		if p == eff && strings.EqualFold(ref.host, host) {
			return ref.u, nil
		}
	}

	ref := &implicitRef{host: host, port: port, defPort: defaultPort, node: n}
	var prev *Upstream
	if pr := prevReg(b); pr != nil {
		for _, old := range pr.implicit {
			p := old.port
			if p == 0 {
				p = old.defPort
			}
			if p == eff && strings.EqualFold(old.host, host) && old.err == nil {
				prev = old.u
			}
		}
	}
	ref.u, ref.err = implicitUpstream(context.Background(), hostResolver, host, eff, prev)
	if ref.err != nil {
		ref.u, _ = newUpstream(Config{Name: host})
		ref.u.mu = new(sync.Mutex)
	}
	r.implicit = append(r.implicit, ref)
	return ref.u, nil
}

// implicitUpstream builds the upstream of a host and port: a single
// address gets nginx's settings for one server (no failure accounting),
// several addresses round robin with max_fails=1 fail_timeout=10s.
func implicitUpstream(ctx context.Context, res Resolver, host string, port int, prev *Upstream) (*Upstream, error) {
	addr := host
	if !strings.HasPrefix(strings.ToLower(host), "unix:") {
		addr = host + ":" + strconv.Itoa(port)
	}
	eps, err := parseServerAddr(ctx, res, addr)
	if err != nil {
		return nil, fmt.Errorf("%v in upstream \"%s\"", err, host)
	}
	s := serverSpec{Server: Server{Addr: addr, Weight: 1, MaxFails: 1, FailTimeout: DefaultFailTimeout}, eps: eps}
	if len(eps) == 1 {
		s.MaxFails = 0
		s.FailTimeout = 0
	}
	u, _ := newUpstream(Config{Name: host})
	return build(u, []serverSpec{s}, prev)
}

// splitHostPort splits an address as written in a URL; port is 0 when
// none was written.
func splitHostPort(hostport string) (host string, port int, err error) {
	if len(hostport) >= 5 && strings.EqualFold(hostport[:5], "unix:") {
		return hostport, 0, nil
	}
	host = hostport
	rest := ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", 0, errInvalidHost
		}
		host, rest = hostport[:end+1], hostport[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", 0, errInvalidHost
		}
	} else if i := strings.IndexByte(hostport, ':'); i >= 0 {
		host, rest = hostport[:i], hostport[i:]
	}
	if rest != "" {
		p, ok := parsePort(rest[1:])
		if !ok {
			return "", 0, errInvalidPort
		}
		port = p
	}
	if host == "" || host == "[]" {
		return "", 0, errNoHost
	}
	return host, port, nil
}

// Lookup returns the upstream a run-time proxy_pass target names in the
// snapshot cfg, as nginx matches "proxy_pass http://$host": an
// upstream{} block of that name when the target has no port (port 0), or
// the implicit upstream of a proxy_pass with the same host and port. It
// returns nil when there is none; the caller then resolves the host with
// Resolve.
func Lookup(cfg *gateway.Config, host string, port int) *Upstream {
	r, _ := cfg.Ext[extKey].(*registry)
	if r == nil {
		return nil
	}
	if port == 0 {
		if u := r.byName[strings.ToLower(host)]; u != nil {
			return u
		}
	}
	for _, ref := range r.implicit {
		p, want := ref.port, port
		if p == 0 {
			p = ref.defPort
		}
		if want == 0 {
			want = ref.defPort
		}
		if p == want && ref.err == nil && strings.EqualFold(ref.host, host) {
			return ref.u
		}
	}
	return nil
}

// Resolve builds a one-request upstream for a proxy_pass target computed
// at run time: hostport ("host:port", "[v6]:port", "unix:/path"; port 80
// when absent) resolved now, every address a peer in round robin with
// max_fails=1 fail_timeout=10s. The error says the host could not be
// resolved; nginx answers 502 then.
func Resolve(ctx context.Context, hostport string) (*Upstream, error) {
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("%v in upstream \"%s\"", err, hostport)
	}
	if port == 0 {
		port = 80
	}
	u, err := implicitUpstream(ctx, hostResolver, host, port, nil)
	if err != nil {
		return nil, fmt.Errorf("%s could not be resolved (%v)", host, err)
	}
	return u, nil
}

// atoi is nginx's ngx_atoi: decimal digits only, no sign, no overflow.
func atoi(s string) (int, bool) {
	v, err := conf.ParseNumber(s)
	return v, err == nil
}

// parseSeconds is nginx's ngx_parse_time(s, 1), in whole seconds.
func parseSeconds(s string) (time.Duration, bool) {
	d, err := conf.ParseSeconds(s)
	return d, err == nil
}
