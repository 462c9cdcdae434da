package vts

import (
	_ "embed"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// Format is an output format of the status page.
type Format uint8

// The formats of vhost_traffic_status_display_format.
const (
	FormatJSON Format = iota + 1
	FormatHTML
	FormatJSONP
	FormatPrometheus
)

var formatNames = map[string]Format{"json": FormatJSON, "html": FormatHTML, "jsonp": FormatJSONP, "prometheus": FormatPrometheus}

// ParseFormat reads a format name (json, html, jsonp, prometheus).
func ParseFormat(s string) (Format, bool) {
	f, ok := formatNames[s]
	return f, ok
}

// DefaultJSONPCallback is the JSONP callback name unless
// vhost_traffic_status_display_jsonp sets another.
const DefaultJSONPCallback = "ngx_http_vhost_traffic_status_jsonp_callback"

// DisplayOptions configure a Display.
type DisplayOptions struct {
	// Zone is the zone shown; nil shows the zone opened last at the time
	// of the request (CurrentZone), which is how OpenNJet's control plane
	// shows the data plane's zone.
	Zone *Zone
	// Format is the format of a request whose URI names none; 0 is JSON.
	Format Format
	// JSONP is the callback of the jsonp format; "" is
	// DefaultJSONPCallback.
	JSONP string
	// SumKey names the total of the server zones; "" is DefaultSumKey.
	SumKey string
	// Average computes requestMsec and responseMsec.
	Average Average
	// Loaded is the loadMsec time; zero is when the Display was made.
	Loaded time.Time
	// MetricPrefix starts the Prometheus metric names; "" is
	// DefaultMetricPrefix.
	MetricPrefix string
}

// Display is the content handler of vhost_traffic_status_display: it
// answers GET and HEAD with the zone's status in the format the URI asks
// for (".../format/json", "/format/html", "/format/jsonp",
// "/format/prometheus") or else the configured one, and serves the
// control commands under ".../control" (status, reset, delete).
type Display struct {
	opt DisplayOptions
}

// NewDisplay returns a display handler.
func NewDisplay(opt DisplayOptions) *Display {
	if opt.Format == 0 {
		opt.Format = FormatJSON
	}
	if opt.JSONP == "" {
		opt.JSONP = DefaultJSONPCallback
	}
	if opt.SumKey == "" {
		opt.SumKey = DefaultSumKey
	}
	if opt.Loaded.IsZero() {
		opt.Loaded = time.Now()
	}
	return &Display{opt: opt}
}

//go:embed status.html
var statusPage string

// Handle answers the request.
func (d *Display) Handle(c *gateway.Ctx) gateway.Result {
	z := d.opt.Zone
	if z == nil {
		z = CurrentZone()
	}
	if z == nil {
		return gateway.Status(501)
	}
	if c.Method != "GET" && c.Method != "HEAD" {
		return gateway.Status(405)
	}
	if isControl(c.URI) {
		return d.control(c, z)
	}
	base, format := splitFormat(c.URI)
	if format == 0 {
		format = d.opt.Format
	}
	var ctype string
	switch format {
	case FormatJSON:
		ctype = "application/json"
	case FormatJSONP:
		ctype = "application/javascript"
	case FormatPrometheus:
		ctype = "text/plain"
	default:
		ctype = "text/html"
	}
	if c.Method == "HEAD" {
		c.Status = 200
		c.RespHeader.Set("Content-Type", ctype)
		c.SendHeader()
		return gateway.Done()
	}
	var body []byte
	switch format {
	case FormatJSON:
		body = d.report(z).AppendJSON(nil)
	case FormatJSONP:
		body = append([]byte(d.opt.JSONP), '(')
		body = append(d.report(z).AppendJSON(body), ')')
	case FormatPrometheus:
		body = d.report(z).AppendPrometheus(nil, d.opt.MetricPrefix)
		if len(body) == 0 {
			body = []byte("#")
		}
	default:
		body = htmlPage(base)
	}
	return c.Send(200, ctype, body)
}

func (d *Display) report(z *Zone) *Report {
	return z.Report(ReportOptions{Average: d.opt.Average, SumKey: d.opt.SumKey, Loaded: d.opt.Loaded})
}

// htmlPage is the dashboard polling base + "/format/json".
func htmlPage(base string) []byte {
	uri, _ := json.Marshal(base) // escapes <, > and & for the script
	return []byte(strings.Replace(statusPage, "{{uri}}", string(uri), 1))
}

// splitFormat finds "/format/<name>" in uri as nginx-module-vts does: the
// first such segment with a known name selects the format, and what
// precedes it is the status URI the HTML page polls. A name only has to
// start with the format ("/format/jsonx" is json); jsonp is tested before
// json.
func splitFormat(uri string) (base string, f Format) {
	const marker = "/format/"
	for i := 0; i+len(marker) <= len(uri); {
		j := indexFold(uri[i:], marker)
		if j < 0 {
			break
		}
		j += i
		rest := uri[j+len(marker):]
		for _, name := range []string{"jsonp", "json", "html", "prometheus"} {
			if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
				return uri[:j], formatNames[name]
			}
		}
		i = j + 1
	}
	if uri == "/" {
		return "", 0
	}
	return uri, 0
}

// isControl reports whether uri, past its first segment, ends in
// "/control".
func isControl(uri string) bool {
	i := strings.IndexByte(uri, '/')
	if i < 0 {
		return false
	}
	j := strings.IndexByte(uri[i+1:], '/')
	if j < 0 {
		return false
	}
	const ctl = "/control"
	rest := uri[i+1+j:]
	return len(rest) >= len(ctl) && strings.EqualFold(rest[len(rest)-len(ctl):], ctl)
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// The control command groups.
const (
	groupNone = iota
	groupAll
	groupServer
	groupAlone
	groupUpstream
	groupCache
	groupFilter
)

// control serves ".../control?cmd=status|reset|delete&group=...&zone=...".
func (d *Display) control(c *gateway.Ctx, z *Zone) gateway.Result {
	cmd, _ := gateway.Arg(c.Args, "cmd")
	groupArg, hasGroup := gateway.Arg(c.Args, "group")
	zoneArg, hasZone := gateway.Arg(c.Args, "zone")
	valid := cmd == "status" || cmd == "reset" || cmd == "delete"
	group := groupNone
	if hasGroup {
		switch strings.ToLower(groupArg) {
		case "*":
			group = groupAll
		case "server":
			group = groupServer
		case "upstream@alone":
			group = groupAlone
		case "upstream@group":
			group = groupUpstream
		case "cache":
			group = groupCache
		case "filter":
			group = groupFilter
		default:
			valid = false
		}
	}
	if !hasZone && group != groupAll {
		valid = false
	}
	// "@" separates the parts of a zone name; "[:alpha:]" stands for a
	// literal "@".
	name := strings.ReplaceAll(strings.ReplaceAll(zoneArg, "@", sep), "[:alpha:]", "@")
	if !valid || group == groupNone || (group != groupAll && name == "") {
		return c.Send(200, "application/json", controlResult(false, cmd, groupArg, zoneArg, 0))
	}
	var body []byte
	switch cmd {
	case "status":
		body = d.controlStatus(z, group, name)
		if len(body) == 0 {
			body = []byte("{}")
		}
	default:
		n := 0
		for _, key := range z.selectKeys(group, name) {
			nd := z.find(key)
			if nd == nil {
				continue
			}
			if cmd == "reset" {
				nd.reset()
			} else {
				z.remove(key, nd)
			}
			n++
		}
		if cmd == "reset" && group == groupAll {
			z.delay.reset()
		}
		body = controlResult(true, cmd, groupArg, zoneArg, n)
	}
	return c.Send(200, "application/json", body)
}

// groupKinds maps control groups to node kinds.
var groupKinds = map[int]Kind{groupServer: KindServer, groupAlone: KindUpstreamAlone, groupUpstream: KindUpstreamGroup, groupCache: KindCache, groupFilter: KindFilter}

// selectKeys lists the keys a reset or delete applies to: every node,
// every node of a group ("*"), or one node.
func (z *Zone) selectKeys(group int, name string) []string {
	var keys []string
	if group != groupAll && name != "*" {
		return []string{controlKey(group, name)}
	}
	z.nodes.Range(func(k, v any) bool {
		if group == groupAll || v.(*node).kind == groupKinds[group] {
			keys = append(keys, k.(string))
		}
		return true
	})
	return keys
}

// controlKey is the node key a control zone name stands for.
func controlKey(group int, name string) string {
	k := groupKinds[group]
	if k == KindUpstreamAlone {
		name = strings.TrimPrefix(name, sep)
	}
	return kindTags[k] + sep + name
}

// controlStatus renders cmd=status; nil when nothing matched.
func (d *Display) controlStatus(z *Zone, group int, name string) []byte {
	r := d.report(z)
	if group == groupAll {
		return r.AppendJSON(nil)
	}
	full := r.AppendJSON(nil)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(full, &doc); err != nil {
		return nil
	}
	if name == "*" {
		var key string
		switch group {
		case groupServer:
			// the groups without the total, as nginx-module-vts
			r.ServerZones = r.ServerZones[:len(r.ServerZones)-1]
			if len(r.ServerZones) == 0 {
				return nil
			}
			return append(appendServerZones([]byte(`{"serverZones":{`), r.ServerZones), "}}"...)
		case groupFilter:
			key = "filterZones"
		case groupUpstream:
			key = "upstreamZones"
		case groupAlone:
			for i := range r.UpstreamZones {
				if g := &r.UpstreamZones[i]; g.Name == NoGroups {
					return append(appendUpstreamGroup([]byte{'{'}, g), '}')
				}
			}
			return nil
		default:
			return nil
		}
		v, ok := doc[key]
		if !ok {
			return nil
		}
		return append(append([]byte(`{"`+key+`":`), v...), '}')
	}
	if group == groupServer && strings.EqualFold(name, "::main") {
		b := []byte(`{`)
		for i, k := range []string{"hostName", "moduleVersion", "nginxVersion", "njetVersion", "loadMsec", "nowMsec", "connections", "sharedZones"} {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = append(b, doc[k]...)
		}
		return append(b, '}')
	}
	switch group {
	case groupServer:
		if s := r.Server(name); s != nil && z.find(controlKey(group, name)) != nil {
			return append(appendServerZone([]byte{'{'}, s), '}')
		}
	case groupFilter:
		g, k, _ := strings.Cut(name, sep)
		if s := r.Filter(g, k); s != nil {
			return append(appendServerZone([]byte{'{'}, s), '}')
		}
	case groupUpstream:
		g, p, _ := strings.Cut(name, sep)
		if s := r.Upstream(g, p); s != nil && z.find(controlKey(group, name)) != nil {
			return appendUpstreamPeer(nil, s)
		}
	case groupAlone:
		if s := r.Upstream(NoGroups, strings.TrimPrefix(name, sep)); s != nil {
			return appendUpstreamPeer(nil, s)
		}
	}
	return nil
}

// controlResult is the answer to reset and delete (and to a command that
// could not be read).
func controlResult(ok bool, cmd, group, zone string, n int) []byte {
	b := []byte(`{"processingReturn":`)
	b = strconv.AppendBool(b, ok)
	b = append(b, `,"processingCommandString":`...)
	b = appendJSONString(b, cmd)
	b = append(b, `,"processingGroupString":`...)
	b = appendJSONString(b, group)
	b = append(b, `,"processingZoneString":`...)
	b = appendJSONString(b, zone)
	b = append(b, `,"processingCounts":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '}')
}
