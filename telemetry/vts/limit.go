package vts

import (
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// limitDecl is a vhost_traffic_status_limit_traffic (key nil: the
// request's server zone) or vhost_traffic_status_limit_traffic_by_set_key
// directive: once the member's count of the node passes size, requests
// are answered with code.
type limitDecl struct {
	raw    string // key and member as written, for deduplication
	key    *gateway.Template
	member *gateway.Template
	size   uint64
	code   int
}

// setLimitTraffic is "vhost_traffic_status_limit_traffic member:size
// [code]".
func setLimitTraffic(bl *conf.Block, n *conf.Node) error {
	d, err := parseLimit(bl, n, "limit_traffic()", n.Args[0], n.Args[1:])
	if err != nil {
		return err
	}
	addLimit(bl, d)
	return nil
}

// setLimitTrafficByKey is "vhost_traffic_status_limit_traffic_by_set_key
// group@[subgroup@]name member:size [code]".
func setLimitTrafficByKey(bl *conf.Block, n *conf.Node) error {
	const who = "limit_traffic_by_set_key()"
	if n.Args[0] == "" {
		return conf.Errorf(n, "%s empty key pattern", who)
	}
	d, err := parseLimit(bl, n, who, n.Args[1], n.Args[2:])
	if err != nil {
		return err
	}
	key := strings.ReplaceAll(strings.ReplaceAll(n.Args[0], "@", sep), "[:alpha:]", "@")
	if d.key, err = bl.Template(n, key); err != nil {
		return err
	}
	d.raw = n.Args[0] + "\x00" + d.raw
	addLimit(bl, d)
	return nil
}

func parseLimit(bl *conf.Block, n *conf.Node, who, value string, code []string) (limitDecl, error) {
	var d limitDecl
	if value == "" {
		return d, conf.Errorf(n, "%s empty value pattern", who)
	}
	if len(value) > 5 && strings.Contains(value, "$vts_") {
		return d, conf.Errorf(n, "%s $vts_* is not allowed here", who)
	}
	member, size, ok := strings.Cut(value, ":")
	if !ok {
		return d, conf.Errorf(n, "%s empty size pattern", who)
	}
	sz, err := conf.ParseOffset(size)
	if err != nil {
		return d, conf.Errorf(n, "%s invalid limit size \"%s\"", who, value)
	}
	d.raw, d.size, d.code = member, uint64(sz), 503
	if d.member, err = bl.Template(n, member); err != nil {
		return d, err
	}
	if len(code) > 0 {
		c, err := conf.ParseNumber(code[0])
		if err != nil {
			return d, conf.Errorf(n, "invalid parameter \"%s\"", code[0])
		}
		d.code = c
	}
	return d, nil
}

// addLimit keeps an http{}-level limit for every request, else the
// block's.
func addLimit(bl *conf.Block, d limitDecl) {
	if bl.Ctx == conf.HTTP {
		st := state(bl.B)
		st.httpLimits = append(st.httpLimits, d)
		return
	}
	c := bl.Conf(mod).(*locConf)
	c.limits = append(c.limits[:len(c.limits):len(c.limits)], d)
}

// limiter is the pre-access filter of the traffic limits of a location.
type limiter struct {
	st         *build
	zone       *Zone
	filterHost bool
	server     string
	limits     []limitDecl
}

// Handle refuses the request when a counter is over its limit.
func (l *limiter) Handle(c *gateway.Ctx) gateway.Result {
	if l.zone == nil {
		return gateway.Continue
	}
	for i := range l.limits {
		d := &l.limits[i]
		member := d.member.Eval(c)
		if member == "" {
			continue
		}
		var key string
		if d.key != nil {
			if key = d.key.Eval(c); key == "" {
				continue
			}
		} else {
			name := l.server
			if l.filterHost && c.Host != "" {
				name = c.Host
			}
			key = nodeKey(KindServer, "", name)
		}
		n := l.zone.find(key)
		if n == nil {
			continue
		}
		if memberValue(n, member) > d.size {
			return gateway.Status(d.code)
		}
	}
	return gateway.Continue
}

// limitMembers maps the members a limit may name to counters.
var limitMembers = map[string]int{
	"request": cRequests, "in": cIn, "out": cOut,
	"1xx": c1xx, "2xx": c2xx, "3xx": c3xx, "4xx": c4xx, "5xx": c5xx,
	"cache_miss": cMiss, "cache_bypass": cBypass, "cache_expired": cExpired, "cache_stale": cStale,
	"cache_updating": cUpdating, "cache_revalidated": cRevalidated, "cache_hit": cHit, "cache_scarce": cScarce,
}

// memberValue sums one counter of n over its shards; an unknown member
// is 0.
func memberValue(n *node, member string) uint64 {
	idx, ok := limitMembers[member]
	if !ok {
		return 0
	}
	var v uint64
	for i := range n.shards {
		v += n.shards[i].c[idx].Load()
	}
	return v
}
