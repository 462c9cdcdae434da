package realip

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/access"
)

// realipConf is one level's realip settings; source and recursive are -1
// when not set here.
type realipConf struct {
	from      []access.CIDR
	source    int8
	header    string
	recursive int8
}

// mod is the module's registration, the key to its per-level configuration.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "realip",
		NewConf: func() any { return &realipConf{source: -1, recursive: -1} },
		Merge: func(parent, child any) error {
			p, c := parent.(*realipConf), child.(*realipConf)
			if c.from == nil {
				c.from = p.from
			}
			if c.source < 0 {
				c.source = p.source
			}
			if c.recursive < 0 {
				c.recursive = p.recursive
			}
			if c.header == "" {
				c.header = p.header
			}
			return nil
		},
		Apply: apply,
		Directives: []conf.Directive{
			{Name: "set_real_ip_from", Context: realipContext, Args: conf.Take1, Set: setFrom},
			{Name: "real_ip_header", Context: realipContext, Args: conf.Take1, Set: setHeader},
			{Name: "real_ip_recursive", Context: realipContext, Args: conf.Flag, Set: setRecursive},
		},
	})
}

const realipContext = conf.HTTP | conf.Server | conf.Location

// apply installs the filter first in the pre-access phase, so that
// limits keyed by the client address see the real one (nginx runs realip
// before limit_req and limit_conn), and, at server level, in the
// post-read phase.
func apply(b *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*realipConf)
	if len(c.from) == 0 {
		return nil
	}
	f := &Filter{From: c.from, Header: c.header, Recursive: c.recursive == 1}
	if c.source >= 0 {
		f.Source = Source(c.source)
	}
	prepend(loc, gateway.PhasePreAccess, f)
	if loc.Match == gateway.MatchServer {
		prepend(loc, gateway.PhasePostRead, f)
	}
	return nil
}

func prepend(loc *gateway.Location, p gateway.Phase, f gateway.Filter) {
	loc.Phases[p] = append([]gateway.Filter{f}, loc.Phases[p]...)
}

func setFrom(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*realipConf)
	arg := n.Args[0]
	cidr, lowBits, err := access.ParseCIDR(arg)
	if err == nil {
		if lowBits {
			bl.B.Warnf(n, "low address bits of %s are meaningless", arg)
		}
		c.from = append(c.from, cidr)
		return nil
	}
	// Not an address: a host name, trusted with all its addresses.
	ips, err := lookupHost(context.Background(), arg)
	if err != nil || len(ips) == 0 {
		return conf.Errorf(n, "host not found in set_real_ip_from \"%s\"", arg)
	}
	for _, ip := range ips {
		ip = ip.WithZone("")
		if ip.Is4In6() {
			ip = ip.Unmap()
		}
		c.from = append(c.from, access.CIDR{Prefix: netip.PrefixFrom(ip, ip.BitLen())})
	}
	return nil
}

// lookupHost resolves set_real_ip_from host names; tests replace it.
var lookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

func setHeader(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*realipConf)
	if c.source >= 0 {
		return conf.Duplicate(n)
	}
	switch arg := n.Args[0]; arg {
	case "X-Real-IP":
		c.source = int8(XRealIP)
	case "X-Forwarded-For":
		c.source = int8(XForwardedFor)
	case "proxy_protocol":
		c.source = int8(ProxyProtocol)
	default:
		c.source, c.header = int8(Header), strings.ToLower(arg)
	}
	return nil
}

func setRecursive(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*realipConf)
	if c.recursive >= 0 {
		return conf.Duplicate(n)
	}
	on, err := conf.Flag(n)
	if err != nil {
		return err
	}
	c.recursive = 0
	if on {
		c.recursive = 1
	}
	return nil
}
