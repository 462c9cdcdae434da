package vts

import (
	"os"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// ModuleVersion is the nginx-module-vts version OpenNJet's module
// reports (moduleVersion).
const ModuleVersion = "v0.2.1"

// DefaultSumKey names the total of the server zones.
const DefaultSumKey = "*"

// Report is the status document of a zone: what the JSON, Prometheus
// and HTML formats show.
type Report struct {
	HostName      string
	ModuleVersion string
	// NginxVersion is the nginx version GoNJet follows, NjetVersion the
	// OpenNJet version; OpenNJet's document calls the latter njetVersion
	// where nginx-module-vts says nginxVersion, and GoNJet writes both.
	NginxVersion string
	NjetVersion  string
	// LoadMsec is when the configuration was loaded, NowMsec the time of
	// the report, both in ms since the Unix epoch.
	LoadMsec    int64
	NowMsec     int64
	Connections Connections
	SharedZone  SharedZone
	// ServerZones are sorted by name, the total (named by the sum key)
	// last.
	ServerZones []ServerZone
	// FilterZones are the filter groups, sorted by name.
	FilterZones []FilterGroup
	// UpstreamZones are the upstream{} blocks sorted by name, followed by
	// "::nogroups" for peers of upstreams without a block.
	UpstreamZones []UpstreamGroup
	// RequestDelay holds the request-delay percentiles of Percentiles, in
	// ms.
	RequestDelay [5]int64
}

// SharedZone describes the zone's memory.
type SharedZone struct {
	Name     string
	MaxSize  int64
	UsedSize int64
	UsedNode int64
}

// ServerZone is one server name, filter key, or the total.
type ServerZone struct {
	Name string
	Stats
}

// FilterGroup is one group of filter keys.
type FilterGroup struct {
	Name  string
	Zones []ServerZone
}

// NoGroups is the name of the group of peers whose upstream has no
// upstream{} block.
const NoGroups = "::nogroups"

// UpstreamGroup is one upstream{} block (or NoGroups).
type UpstreamGroup struct {
	Name  string
	Peers []UpstreamPeer
}

// UpstreamPeer is one peer with its settings.
type UpstreamPeer struct {
	Server string
	Stats
	Weight   int
	MaxFails int
	// FailTimeout is in seconds.
	FailTimeout int64
	Backup      bool
	// Down is the configured mark; for an upstream with a zone it is the
	// peer's current state (down, or failed max_fails times).
	Down bool
}

// ReportOptions tune a report.
type ReportOptions struct {
	// Average computes requestMsec and responseMsec; the zero value is
	// AMM over all samples, DefaultAverage is nginx-module-vts's default.
	Average Average
	// SumKey names the total of the server zones; "" is DefaultSumKey.
	SumKey string
	// Loaded is the loadMsec time; zero is the zone's creation.
	Loaded time.Time
}

var hostname = func() string {
	h, _ := os.Hostname()
	return h
}

// Report returns the zone's current state.
func (z *Zone) Report(opt ReportOptions) *Report {
	now := time.Now()
	if opt.SumKey == "" {
		opt.SumKey = DefaultSumKey
	}
	if opt.Loaded.IsZero() {
		opt.Loaded = z.base
	}
	r := &Report{
		HostName:      hostname(),
		ModuleVersion: ModuleVersion,
		NginxVersion:  gateway.NginxVersion,
		NjetVersion:   njetVersion(),
		LoadMsec:      opt.Loaded.UnixMilli(),
		NowMsec:       now.UnixMilli(),
		Connections:   z.connections(),
		SharedZone:    SharedZone{Name: z.name, MaxSize: z.MaxSize(), UsedSize: z.UsedSize(), UsedNode: z.UsedNode()},
		RequestDelay:  z.delay.percentiles(),
	}
	total := ServerZone{Name: opt.SumKey}
	alone := UpstreamGroup{Name: NoGroups}
	for _, n := range z.sortedNodes() {
		switch n.kind {
		case KindServer:
			sz := ServerZone{Name: n.name, Stats: z.stats(n, opt.Average, now)}
			addStats(&total.Stats, &sz.Stats)
			r.ServerZones = append(r.ServerZones, sz)
		case KindFilter:
			if len(r.FilterZones) == 0 || r.FilterZones[len(r.FilterZones)-1].Name != n.group {
				r.FilterZones = append(r.FilterZones, FilterGroup{Name: n.group})
			}
			fg := &r.FilterZones[len(r.FilterZones)-1]
			fg.Zones = append(fg.Zones, ServerZone{Name: n.name, Stats: z.stats(n, opt.Average, now)})
		case KindUpstreamAlone:
			alone.Peers = append(alone.Peers, UpstreamPeer{Server: n.name, Stats: z.stats(n, opt.Average, now)})
		}
	}
	total.RequestMsec = average(total.RequestMsecs, opt.Average, now)
	r.ServerZones = append(r.ServerZones, total)

	if v := z.currentView(); v != nil {
		for _, g := range v.groups {
			ug := UpstreamGroup{Name: g.name}
			zoned := g.up.Zone() != ""
			for _, p := range g.up.Peers() {
				key, ok := g.keys[p.Name]
				if !ok {
					key = nodeKey(KindUpstreamGroup, g.name, p.Name)
				}
				peer := UpstreamPeer{
					Server:      p.Name,
					Stats:       z.stats(z.find(key), opt.Average, now),
					Weight:      p.Weight,
					MaxFails:    p.MaxFails,
					FailTimeout: int64(p.FailTimeout / time.Second),
					Backup:      p.Backup,
					Down:        p.Down,
				}
				if zoned && !p.Down && p.MaxFails > 0 && p.Stats().Fails >= int64(p.MaxFails) {
					peer.Down = true
				}
				ug.Peers = append(ug.Peers, peer)
			}
			r.UpstreamZones = append(r.UpstreamZones, ug)
		}
	}
	if len(alone.Peers) > 0 {
		r.UpstreamZones = append(r.UpstreamZones, alone)
	}
	return r
}

// njetVersion is the version in gateway.Software ("njet/3.3.0").
func njetVersion() string {
	if _, v, ok := strings.Cut(gateway.Software, "/"); ok {
		return v
	}
	return gateway.Software
}

// Server returns the server zone called name (the sum key for the
// total), nil when there is none.
func (r *Report) Server(name string) *ServerZone {
	for i := range r.ServerZones {
		if r.ServerZones[i].Name == name {
			return &r.ServerZones[i]
		}
	}
	return nil
}

// Filter returns the key of a filter group, nil when there is none.
func (r *Report) Filter(group, key string) *ServerZone {
	for i := range r.FilterZones {
		if g := &r.FilterZones[i]; g.Name == group {
			for j := range g.Zones {
				if g.Zones[j].Name == key {
					return &g.Zones[j]
				}
			}
		}
	}
	return nil
}

// Upstream returns a peer of an upstream group (NoGroups for peers of
// upstreams without a block), nil when there is none.
func (r *Report) Upstream(group, server string) *UpstreamPeer {
	for i := range r.UpstreamZones {
		if g := &r.UpstreamZones[i]; g.Name == group {
			for j := range g.Peers {
				if g.Peers[j].Server == server {
					return &g.Peers[j]
				}
			}
		}
	}
	return nil
}
