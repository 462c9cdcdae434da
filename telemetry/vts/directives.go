package vts

import (
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/upstream"
)

// The njet.conf directives of OpenNJet's traffic status modules
// (njt_http_vtsc_module collects, njt_http_vtsd_module displays).

var mod *conf.Module

func init() {
	all := conf.HTTP | conf.Server | conf.Location
	mod = conf.Register(&conf.Module{
		Name:    "vts",
		NewConf: newLocConf,
		Merge:   merge,
		Apply:   apply,
		Finish:  finish,
		Directives: []conf.Directive{
			{Name: "vhost_traffic_status_zone", Context: conf.HTTP, Args: conf.NoArgs | conf.Take1, Set: setZone},
			{Name: "vhost_traffic_status", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.enable })},
			{Name: "vhost_traffic_status_filter", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.filter })},
			{Name: "vhost_traffic_status_filter_by_host", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.filterHost })},
			{Name: "vhost_traffic_status_filter_check_duplicate", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.filterDup })},
			{Name: "vhost_traffic_status_filter_by_set_key", Context: all, Args: conf.Take12, Set: setFilterKey},
			{Name: "vhost_traffic_status_filter_max_node", Context: conf.HTTP, Args: conf.OneOrMore, Set: setFilterMaxNode},
			{Name: "vhost_traffic_status_limit", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.limit })},
			{Name: "vhost_traffic_status_limit_check_duplicate", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.limitDup })},
			{Name: "vhost_traffic_status_limit_traffic", Context: all, Args: conf.Take12, Set: setLimitTraffic},
			{Name: "vhost_traffic_status_limit_traffic_by_set_key", Context: all, Args: conf.Take23, Set: setLimitTrafficByKey},
			{Name: "vhost_traffic_status_dump", Context: conf.HTTP, Args: conf.Take12, Set: setDump},
			{Name: "vhost_traffic_status_set_by_filter", Context: all | conf.LocationIf, Args: conf.Take2, Set: setByFilter},
			{Name: "vhost_traffic_status_average_method", Context: all, Args: conf.Take12, Set: setAverageMethod},
			{Name: "vhost_traffic_status_histogram_buckets", Context: all, Args: conf.OneOrMore, Set: setHistogramBuckets},
			{Name: "vhost_traffic_status_bypass_limit", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.bypassLimit })},
			{Name: "vhost_traffic_status_bypass_stats", Context: all, Args: conf.Flag, Set: flagSetter(func(c *locConf) *int8 { return &c.bypassStats })},

			{Name: "vhost_traffic_status_display", Context: conf.Server | conf.Location, Args: conf.NoArgs | conf.Take1, Set: setDisplay},
			{Name: "vhost_traffic_status_display_format", Context: conf.Server | conf.Location, Args: conf.Take1, Set: setDisplayFormat},
			{Name: "vhost_traffic_status_display_jsonp", Context: conf.Server | conf.Location, Args: conf.Take1, Set: setDisplayJSONP},
			{Name: "vhost_traffic_status_display_sum_key", Context: conf.Server | conf.Location, Args: conf.Take1, Set: setDisplaySumKey},
		},
	})
}

// locConf is the module's configuration of one level; int8 flags are -1
// while unset.
type locConf struct {
	enable, filter, filterHost, filterDup int8
	limit, limitDup                       int8
	bypassLimit, bypassStats              int8

	filters    []filterDecl // nil: none set here
	avg        *Average
	buckets    []int64
	bucketsSet bool
	limits     []limitDecl // nil: none set here
	sets       []setDecl

	display bool // not inherited: it is the block's content handler
	format  Format
	jsonp   string
	sumKey  string
}

func newLocConf() any {
	return &locConf{enable: -1, filter: -1, filterHost: -1, filterDup: -1, limit: -1, limitDup: -1, bypassLimit: -1, bypassStats: -1}
}

// filterDecl is a vhost_traffic_status_filter_by_set_key directive.
type filterDecl struct {
	key, name string
	FilterKey
}

func mergeFlag(c *int8, p int8) {
	if *c < 0 {
		*c = p
	}
}

func flagOn(v int8, def bool) bool {
	if v < 0 {
		return def
	}
	return v == 1
}

func merge(parent, child any) error {
	p, c := parent.(*locConf), child.(*locConf)
	for _, f := range []struct {
		c *int8
		p int8
	}{{&c.enable, p.enable}, {&c.filter, p.filter}, {&c.filterHost, p.filterHost}, {&c.filterDup, p.filterDup},
		{&c.limit, p.limit}, {&c.limitDup, p.limitDup}, {&c.bypassLimit, p.bypassLimit}, {&c.bypassStats, p.bypassStats}} {
		mergeFlag(f.c, f.p)
	}
	if c.filters == nil {
		c.filters = p.filters
	}
	if c.limits == nil {
		c.limits = p.limits
	}
	if c.sets == nil {
		c.sets = p.sets
	}
	if c.avg == nil {
		c.avg = p.avg
	}
	if !c.bucketsSet {
		c.buckets, c.bucketsSet = p.buckets, p.bucketsSet
	}
	if c.format == 0 {
		c.format = p.format
	}
	if c.jsonp == "" {
		c.jsonp = p.jsonp
	}
	if c.sumKey == "" {
		c.sumKey = p.sumKey
	}
	return nil
}

// build is the module's state for one configuration build.
type build struct {
	b           *conf.Builder
	zoneNode    *conf.Node
	zoneName    string
	zoneSize    int64
	zone        *Zone
	httpFilters []filterDecl
	httpLimits  []limitDecl
	maxNode     zoneSettings
	maxNodeSet  bool
	view        *view
	cacheSlot   int
	collectors  []*Collector
	displays    []*displayRef
	limiters    []*limiter
	dump        *dumpDecl
	loaded      time.Time
}

type displayRef struct {
	d   *Display
	loc *gateway.Location
}

// extKey is where a built configuration keeps the module's state in
// gateway.Config.Ext.
const extKey = "telemetry/vts"

func state(b *conf.Builder) *build {
	return b.State(extKey, func() any {
		st := &build{b: b, view: &view{}, cacheSlot: -1, loaded: time.Now()}
		b.Config.Ext[extKey] = st
		return st
	}).(*build)
}

// locKey holds a location's settings for Enabled.
var locKey = gateway.NewExtKey()

type locState struct {
	enabled bool
}

func flagSetter(field func(*locConf) *int8) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		p := field(bl.Conf(mod).(*locConf))
		if *p >= 0 {
			return conf.Duplicate(n)
		}
		on, err := conf.Flag(n)
		if err != nil {
			return err
		}
		*p = 0
		if on {
			*p = 1
		}
		return nil
	}
}

// setZone is "vhost_traffic_status_zone [shared:name:size]".
func setZone(bl *conf.Block, n *conf.Node) error {
	st := state(bl.B)
	if st.zoneNode != nil {
		return conf.Duplicate(n)
	}
	st.zoneName, st.zoneSize = DefaultZoneName, DefaultZoneSize
	for _, a := range n.Args {
		if !strings.HasPrefix(a, "shared:") {
			return conf.Errorf(n, "invalid parameter \"%s\"", a)
		}
		name, size, ok := strings.Cut(a[len("shared:"):], ":")
		if !ok {
			return conf.Errorf(n, "invalid shared size \"%s\"", a)
		}
		sz, err := conf.ParseSize(size)
		if err != nil {
			return conf.Errorf(n, "invalid shared size \"%s\"", a)
		}
		if sz < 8*pageSize {
			return conf.Errorf(n, "shared \"%s\" is too small", a)
		}
		st.zoneName, st.zoneSize = name, sz
	}
	st.zoneNode = n
	return nil
}

// pageSize is the page size nginx measures zones in.
const pageSize = 4096

// setFilterKey is "vhost_traffic_status_filter_by_set_key key [name]". At
// http level the key counts for every request; at server and location
// level for the requests of that block.
func setFilterKey(bl *conf.Block, n *conf.Node) error {
	if n.Args[0] == "" {
		return conf.Errorf(n, "empty key pattern")
	}
	d := filterDecl{key: n.Args[0]}
	var err error
	if d.Key, err = bl.Template(n, n.Args[0]); err != nil {
		return err
	}
	if len(n.Args) == 2 {
		d.name = n.Args[1]
		if d.Name, err = bl.Template(n, n.Args[1]); err != nil {
			return err
		}
	}
	if bl.Ctx == conf.HTTP {
		st := state(bl.B)
		st.httpFilters = append(st.httpFilters, d)
		return nil
	}
	c := bl.Conf(mod).(*locConf)
	c.filters = append(c.filters[:len(c.filters):len(c.filters)], d)
	return nil
}

// setFilterMaxNode is "vhost_traffic_status_filter_max_node number
// [prefix ...]".
func setFilterMaxNode(bl *conf.Block, n *conf.Node) error {
	st := state(bl.B)
	v, err := conf.ParseNumber(n.Args[0])
	if err != nil {
		return conf.Errorf(n, "invalid number of filter_max_node \"%s\"", n.Args[0])
	}
	st.maxNode = zoneSettings{filterMaxNode: v, maxNodeMatch: append([]string(nil), n.Args[1:]...)}
	st.maxNodeSet = true
	return nil
}

// setAverageMethod is "vhost_traffic_status_average_method AMM|WMA
// [period]".
func setAverageMethod(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*locConf)
	if c.avg != nil {
		return conf.Duplicate(n)
	}
	a := Average{Period: DefaultAverage.Period}
	switch n.Args[0] {
	case "AMM":
	case "WMA":
		a.Weighted = true
	default:
		return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
	}
	if len(n.Args) == 2 {
		d, err := conf.ParseDuration(n.Args[1])
		if err != nil {
			return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[1])
		}
		a.Period = d
	}
	c.avg = &a
	return nil
}

// setHistogramBuckets is "vhost_traffic_status_histogram_buckets second
// ...": bounds in seconds with up to three decimals.
func setHistogramBuckets(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*locConf)
	var out []int64
	for i, a := range n.Args {
		if i >= MaxBuckets {
			bl.B.Warnf(n, "histogram bucket size exceeds %d", MaxBuckets)
			break
		}
		ms, ok := parseFixed3(a)
		if !ok || ms == 0 {
			return conf.Errorf(n, "invalid parameter \"%s\"", a)
		}
		out = append(out, ms)
	}
	c.buckets, c.bucketsSet = out, true
	return nil
}

// parseFixed3 reads a decimal number with at most three decimals as
// thousandths, as nginx's ngx_atofp(s, 3).
func parseFixed3(s string) (int64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && (!dot || frac == "") || len(frac) > 3 {
		return 0, false
	}
	var v int64
	if whole != "" {
		w, err := strconv.ParseUint(whole, 10, 40)
		if err != nil || strings.ContainsAny(whole, "+-") {
			return 0, false
		}
		v = int64(w) * 1000
	}
	scale := int64(100)
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, false
		}
		v += int64(frac[i]-'0') * scale
		scale /= 10
	}
	return v, true
}

// setDisplay is "vhost_traffic_status_display": the block answers with
// the status page.
func setDisplay(bl *conf.Block, n *conf.Node) error {
	bl.Conf(mod).(*locConf).display = true
	return nil
}

func setDisplayFormat(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*locConf)
	if c.format != 0 {
		return conf.Duplicate(n)
	}
	f, ok := ParseFormat(n.Args[0])
	if !ok {
		return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
	}
	c.format = f
	return nil
}

func setDisplayJSONP(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*locConf)
	if c.jsonp != "" {
		return conf.Duplicate(n)
	}
	c.jsonp = n.Args[0]
	return nil
}

func setDisplaySumKey(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*locConf)
	if c.sumKey != "" {
		return conf.Duplicate(n)
	}
	c.sumKey = n.Args[0]
	return nil
}

// apply installs the collector, the limits and the display into a
// location.
func apply(b *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*locConf)
	st := state(b)
	loc.SetExt(locKey, &locState{enabled: flagOn(c.enable, true)})
	if c.display {
		avg := DefaultAverage
		if c.avg != nil {
			avg = *c.avg
		}
		d := NewDisplay(DisplayOptions{Format: c.format, JSONP: c.jsonp, SumKey: c.sumKey, Average: avg, Loaded: st.loaded})
		st.displays = append(st.displays, &displayRef{d: d, loc: loc})
		loc.Content = d
	}
	if st.zoneNode == nil {
		return nil
	}
	server := ""
	if loc.Server != nil {
		server = loc.Server.Name()
	}
	if server == "" {
		server = "_"
	}
	byHost := flagOn(c.filter, true) && flagOn(c.filterHost, false)
	if len(c.sets) > 0 && flagOn(c.filter, true) {
		appendFilter(loc, gateway.PhaseAccess, &setter{st: st, sets: c.sets})
	}
	if flagOn(c.limit, true) && !flagOn(c.bypassLimit, false) && len(st.httpLimits)+len(c.limits) > 0 {
		dup := flagOn(c.limitDup, true)
		// the limits of the request's own server zone go first, then
		// those naming a key, each http{}-level ones first
		var limits []limitDecl
		for _, byKey := range []bool{false, true} {
			for _, ls := range [][]limitDecl{dedupLimits(st.httpLimits, dup), dedupLimits(c.limits, dup)} {
				for _, l := range ls {
					if (l.key != nil) == byKey {
						limits = append(limits, l)
					}
				}
			}
		}
		l := &limiter{st: st, server: server, filterHost: byHost, limits: limits}
		st.limiters = append(st.limiters, l)
		appendFilter(loc, gateway.PhasePreAccess, l)
	}
	if !flagOn(c.enable, true) || flagOn(c.bypassStats, false) {
		return nil
	}
	var filters []FilterKey
	if flagOn(c.filter, true) {
		dup := flagOn(c.filterDup, true)
		for _, f := range dedupFilters(st.httpFilters, dup) {
			filters = append(filters, f.FilterKey)
		}
		for _, f := range dedupFilters(c.filters, dup) {
			filters = append(filters, f.FilterKey)
		}
	}
	col := newCollector(nil, st.view, &st.cacheSlot, server, byHost, filters, c.buckets)
	st.collectors = append(st.collectors, col)
	appendFilter(loc, gateway.PhaseLog, col)
	return nil
}

// appendFilter adds f to a phase of loc in a slice of its own: levels
// built from one another may share a backing array.
func appendFilter(loc *gateway.Location, p gateway.Phase, f gateway.Filter) {
	fs := loc.Phases[p]
	loc.Phases[p] = append(fs[:len(fs):len(fs)], f)
}

// dedup drops the items whose key was seen before, when on
// (vhost_traffic_status_filter_check_duplicate and
// vhost_traffic_status_limit_check_duplicate).
func dedup[T any](items []T, on bool, key func(*T) string) []T {
	if !on || len(items) < 2 {
		return items
	}
	seen := map[string]bool{}
	var out []T
	for i := range items {
		if k := key(&items[i]); !seen[k] {
			seen[k] = true
			out = append(out, items[i])
		}
	}
	return out
}

func dedupFilters(fs []filterDecl, on bool) []filterDecl {
	return dedup(fs, on, func(f *filterDecl) string { return f.key + "\x00" + f.name })
}

func dedupLimits(ls []limitDecl, on bool) []limitDecl {
	return dedup(ls, on, func(l *limitDecl) string { return l.raw })
}

// finish opens the zone, now that the build is complete, and binds the
// collectors, limits and displays to it.
func finish(b *conf.Builder) error {
	st := state(b)
	if st.zoneNode == nil {
		return nil
	}
	st.view.fill(upstream.Blocks(b.Config))
	if b.Vars().Has("upstream_cache_status") {
		if slot, err := b.Vars().Index("upstream_cache_status"); err == nil {
			st.cacheSlot = slot
		}
	}
	z, created := openZone(st.zoneName, st.zoneSize)
	st.zone = z
	settings := st.maxNode
	z.settings.Store(&settings)
	z.addView(st.view)
	for _, col := range st.collectors {
		col.zone = z
	}
	for _, l := range st.limiters {
		l.zone = z
	}
	for _, d := range st.displays {
		d.d.opt.Zone = z
	}
	if st.dump != nil {
		st.dump.start(b, z, created)
	}
	b.Config.Closers = append(b.Config.Closers, func() {
		z.removeView(st.view)
		z.Close()
	})
	return nil
}

// Enabled reports whether requests of loc are counted as far as the
// location is concerned: "vhost_traffic_status" is on there or not set
// (OpenNJet's dynamic API shows this flag). It is true for locations not
// built from njet.conf.
func Enabled(loc *gateway.Location) bool {
	if s, ok := loc.ExtValue(locKey).(*locState); ok {
		return s.enabled
	}
	return true
}

// HTTPFilterKeys returns the http{}-level
// vhost_traffic_status_filter_by_set_key directives of a configuration
// built from njet.conf, each as its key and name as written ("" when it
// has none).
func HTTPFilterKeys(cfg *gateway.Config) [][2]string {
	st, ok := cfg.Ext[extKey].(*build)
	if !ok {
		return nil
	}
	out := make([][2]string, len(st.httpFilters))
	for i, f := range st.httpFilters {
		out[i] = [2]string{f.key, f.name}
	}
	return out
}

// ZoneOf returns the zone a configuration built from njet.conf collects
// into, nil when it has no vhost_traffic_status_zone.
func ZoneOf(cfg *gateway.Config) *Zone {
	if st, ok := cfg.Ext[extKey].(*build); ok {
		return st.zone
	}
	return nil
}
