package vts

import (
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// setDecl is a vhost_traffic_status_set_by_filter directive: the
// variable's slot and the "group/zone/name" template.
type setDecl struct {
	slot int
	path *gateway.Template
}

// setByFilter is "vhost_traffic_status_set_by_filter $variable
// group/zone/name".
func setByFilter(bl *conf.Block, n *conf.Node) error {
	if !strings.HasPrefix(n.Args[0], "$") {
		return conf.Errorf(n, "invalid variable name \"%s\"", n.Args[0])
	}
	tpl, err := bl.Template(n, n.Args[1])
	if err != nil {
		return err
	}
	c := bl.Conf(mod).(*locConf)
	d := setDecl{slot: bl.B.Vars().Declare(n.Args[0][1:]), path: tpl}
	c.sets = append(c.sets[:len(c.sets):len(c.sets)], d)
	return nil
}

// setter is the access-phase filter that sets the variables of
// vhost_traffic_status_set_by_filter from the zone.
type setter struct {
	st   *build
	sets []setDecl
}

// Handle sets the variables; one whose node does not exist stays unset.
func (s *setter) Handle(c *gateway.Ctx) gateway.Result {
	z := s.st.zone
	if z == nil {
		return gateway.Continue
	}
	for _, d := range s.sets {
		if v, ok := z.lookupValue(d.path.Eval(c)); ok {
			c.SetVar(d.slot, v)
		}
	}
	return gateway.Continue
}

// setGroups maps the group part of a set_by_filter path to node kinds.
var setGroups = map[string]Kind{"server": KindServer, "upstream@alone": KindUpstreamAlone, "upstream@group": KindUpstreamGroup, "cache": KindCache, "filter": KindFilter}

// lookupValue reads "group/zone/name" (zone parts joined by "@",
// "[:alpha:]" standing for "@" and "[:slash:]" for "/").
func (z *Zone) lookupValue(path string) (string, bool) {
	group, rest, ok := strings.Cut(path, "/")
	if !ok {
		return "", false
	}
	zone, name, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false
	}
	kind, ok := setGroups[strings.ToLower(group)]
	if !ok {
		return "", false
	}
	zone = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(zone, "@", sep), "[:alpha:]", "@"), "[:slash:]", "/")
	if kind == KindUpstreamAlone {
		zone = strings.TrimPrefix(zone, sep)
	}
	n := z.find(kindTags[kind] + sep + zone)
	if n == nil {
		return "", false
	}
	st := z.stats(n, DefaultAverage, time.Now())
	var v uint64
	switch name {
	case "requestCounter":
		v = st.RequestCounter
	case "requestMsecCounter":
		v = st.RequestMsecCounter
	case "requestMsec":
		v = uint64(st.RequestMsec)
	case "responseMsecCounter":
		v = st.ResponseMsecCounter
	case "responseMsec":
		v = uint64(st.ResponseMsec)
	case "inBytes":
		v = st.InBytes
	case "outBytes":
		v = st.OutBytes
	case "1xx", "2xx", "3xx", "4xx", "5xx":
		v = st.Responses[name[0]-'1']
	case "cacheMiss", "cacheBypass", "cacheExpired", "cacheStale", "cacheUpdating", "cacheRevalidated", "cacheHit", "cacheScarce":
		for i, cn := range cacheNames {
			if strings.EqualFold("cache"+cn, name) {
				v = st.Cache[i]
			}
		}
	case "weight", "maxFails", "failTimeout", "backup", "down":
		if kind == KindUpstreamGroup {
			p := z.peerSettings(n)
			if p == nil {
				return "", false
			}
			v = map[string]uint64{"weight": uint64(p.Weight), "maxFails": uint64(p.MaxFails), "failTimeout": uint64(p.FailTimeout),
				"backup": b2u(p.Backup), "down": b2u(p.Down)}[name]
		}
	}
	return strconv.FormatUint(v, 10), true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// peerSettings finds the configured peer of an upstream group node in
// the zone's current view.
func (z *Zone) peerSettings(n *node) *UpstreamPeer {
	v := z.currentView()
	if v == nil {
		return nil
	}
	g := v.byName[strings.ToLower(n.group)]
	if g == nil {
		return nil
	}
	for _, p := range g.up.Peers() {
		if p.Name == n.name {
			return &UpstreamPeer{Server: p.Name, Weight: p.Weight, MaxFails: p.MaxFails, FailTimeout: int64(p.FailTimeout / time.Second), Backup: p.Backup, Down: p.Down}
		}
	}
	return nil
}
