package vts

import (
	"strconv"
	"strings"
)

// DefaultMetricPrefix starts the Prometheus metric names, as
// nginx-module-vts names them (nginx_vts_server_requests_total, ...), so
// that dashboards and alerts written for it work unchanged. OpenNJet's
// module writes "njet_vts" instead; pass that to AppendPrometheus to get
// its names.
const DefaultMetricPrefix = "nginx_vts"

// promWriter writes metric families: each family's HELP and TYPE once,
// then all its samples together, as the text exposition format requires.
type promWriter struct {
	b      []byte
	prefix string
}

func (w *promWriter) family(name, typ, help string) {
	w.b = append(w.b, "# HELP "...)
	w.b = append(w.b, w.prefix...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, help...)
	w.b = append(w.b, "\n# TYPE "...)
	w.b = append(w.b, w.prefix...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, typ...)
	w.b = append(w.b, '\n')
}

// sample writes one sample line; labels alternate names and values.
func (w *promWriter) sample(name string, labels []string, value string) {
	w.b = append(w.b, w.prefix...)
	w.b = append(w.b, name...)
	if len(labels) > 0 {
		w.b = append(w.b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, labels[i]...)
			w.b = append(w.b, `="`...)
			w.b = appendLabelValue(w.b, labels[i+1])
			w.b = append(w.b, '"')
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ' ')
	w.b = append(w.b, value...)
	w.b = append(w.b, '\n')
}

// appendLabelValue escapes backslash, double quote and line feed.
func appendLabelValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func u(v uint64) string   { return strconv.FormatUint(v, 10) }
func sec(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }
func usec(ms uint64) string {
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
}

// AppendPrometheus appends r in the Prometheus text format with metric
// names starting with prefix ("" is DefaultMetricPrefix) and the labels
// of nginx-module-vts; OpenNJet's additions are there too: the upstream
// "timeout" code and the request-delay percentiles
// (<prefix>_upstream_hdr).
func (r *Report) AppendPrometheus(b []byte, prefix string) []byte {
	if prefix == "" {
		prefix = DefaultMetricPrefix
	}
	w := &promWriter{b: b, prefix: prefix + "_"}
	product, version := "Nginx", r.NginxVersion
	if p, _, _ := strings.Cut(prefix, "_"); p != "" && p != "nginx" {
		product = strings.ToUpper(p[:1]) + p[1:]
		if p == "njet" {
			version = r.NjetVersion
		}
	}

	w.family("info", "gauge", product+" info")
	w.sample("info", []string{"hostname", r.HostName, "module_version", r.ModuleVersion, "version", version}, "1")
	w.family("start_time_seconds", "gauge", product+" start time")
	w.sample("start_time_seconds", nil, sec(r.LoadMsec))
	w.family("main_connections", "gauge", product+" connections")
	c := &r.Connections
	for _, kv := range []struct {
		k string
		v uint64
	}{{"accepted", c.Accepted}, {"active", c.Active}, {"handled", c.Handled}, {"reading", c.Reading}, {"requests", c.Requests}, {"waiting", c.Waiting}, {"writing", c.Writing}} {
		w.sample("main_connections", []string{"status", kv.k}, u(kv.v))
	}
	w.family("main_shm_usage_bytes", "gauge", "Shared memory ["+r.SharedZone.Name+"] info")
	w.sample("main_shm_usage_bytes", []string{"shared", "max_size"}, strconv.FormatInt(r.SharedZone.MaxSize, 10))
	w.sample("main_shm_usage_bytes", []string{"shared", "used_size"}, strconv.FormatInt(r.SharedZone.UsedSize, 10))
	w.sample("main_shm_usage_bytes", []string{"shared", "used_node"}, strconv.FormatInt(r.SharedZone.UsedNode, 10))

	servers := make([]zoneSeries, len(r.ServerZones))
	for i := range r.ServerZones {
		servers[i] = zoneSeries{labels: []string{"host", r.ServerZones[i].Name}, s: &r.ServerZones[i].Stats}
	}
	w.zones("server", servers)

	var filters []zoneSeries
	for i := range r.FilterZones {
		g := &r.FilterZones[i]
		for j := range g.Zones {
			filters = append(filters, zoneSeries{labels: []string{"filter", g.Name, "filter_name", g.Zones[j].Name}, s: &g.Zones[j].Stats})
		}
	}
	if len(filters) > 0 {
		w.zones("filter", filters)
	}

	var peers []zoneSeries
	for i := range r.UpstreamZones {
		g := &r.UpstreamZones[i]
		for j := range g.Peers {
			peers = append(peers, zoneSeries{labels: []string{"upstream", g.Name, "backend", g.Peers[j].Server}, s: &g.Peers[j].Stats})
		}
	}
	if len(peers) > 0 {
		w.upstreams(peers)
		w.family("upstream_hdr", "gauge", "Upstream HDR")
		for i, p := range []string{"p50", "p99", "p999", "p9999", "p99999"} {
			w.sample("upstream_hdr", []string{"code", p + "reqdelayMsecr"}, strconv.FormatInt(r.RequestDelay[i], 10))
		}
	}
	return w.b
}

// zoneSeries is the label set and state of one server zone, filter key
// or peer.
type zoneSeries struct {
	labels []string
	s      *Stats
}

func with(labels []string, kv ...string) []string {
	return append(append(make([]string, 0, len(labels)+len(kv)), labels...), kv...)
}

// zones writes the families of server zones or filter keys (kind
// "server" or "filter").
func (w *promWriter) zones(kind string, zs []zoneSeries) {
	w.family(kind+"_bytes_total", "counter", "The request/response bytes")
	for _, z := range zs {
		w.sample(kind+"_bytes_total", with(z.labels, "direction", "in"), u(z.s.InBytes))
		w.sample(kind+"_bytes_total", with(z.labels, "direction", "out"), u(z.s.OutBytes))
	}
	w.family(kind+"_requests_total", "counter", "The requests counter")
	for _, z := range zs {
		for i, n := range statusNames {
			w.sample(kind+"_requests_total", with(z.labels, "code", n), u(z.s.Responses[i]))
		}
	}
	w.family(kind+"_request_seconds_total", "counter", "The request processing time in seconds")
	for _, z := range zs {
		w.sample(kind+"_request_seconds_total", z.labels, usec(z.s.RequestMsecCounter))
	}
	w.family(kind+"_request_seconds", "gauge", "The average of request processing times in seconds")
	for _, z := range zs {
		w.sample(kind+"_request_seconds", z.labels, sec(z.s.RequestMsec))
	}
	w.histograms(kind+"_request_duration_seconds", "The histogram of request processing time", zs, false)
	w.family(kind+"_cache_total", "counter", "The requests cache counter")
	for _, z := range zs {
		for i, n := range cacheNames {
			w.sample(kind+"_cache_total", with(z.labels, "status", n), u(z.s.Cache[i]))
		}
	}
}

func (w *promWriter) upstreams(zs []zoneSeries) {
	w.family("upstream_bytes_total", "counter", "The request/response bytes")
	for _, z := range zs {
		w.sample("upstream_bytes_total", with(z.labels, "direction", "in"), u(z.s.InBytes))
		w.sample("upstream_bytes_total", with(z.labels, "direction", "out"), u(z.s.OutBytes))
	}
	w.family("upstream_requests_total", "counter", "The upstream requests counter")
	for _, z := range zs {
		for i, n := range statusNames {
			w.sample("upstream_requests_total", with(z.labels, "code", n), u(z.s.Responses[i]))
		}
		w.sample("upstream_requests_total", with(z.labels, "code", "timeout"), u(z.s.Timeouts))
	}
	w.family("upstream_request_seconds_total", "counter", "The request Processing time including upstream in seconds")
	for _, z := range zs {
		w.sample("upstream_request_seconds_total", z.labels, usec(z.s.RequestMsecCounter))
	}
	w.family("upstream_request_seconds", "gauge", "The average of request processing times including upstream in seconds")
	for _, z := range zs {
		w.sample("upstream_request_seconds", z.labels, sec(z.s.RequestMsec))
	}
	w.family("upstream_response_seconds_total", "counter", "The only upstream response processing time in seconds")
	for _, z := range zs {
		w.sample("upstream_response_seconds_total", z.labels, usec(z.s.ResponseMsecCounter))
	}
	w.family("upstream_response_seconds", "gauge", "The average of only upstream response processing times in seconds")
	for _, z := range zs {
		w.sample("upstream_response_seconds", z.labels, sec(z.s.ResponseMsec))
	}
	w.histograms("upstream_request_duration_seconds", "The histogram of request processing time including upstream", zs, false)
	w.histograms("upstream_response_duration_seconds", "The histogram of only upstream response processing time", zs, true)
}

// histograms writes a histogram family for the series that have
// buckets; nothing when none has.
func (w *promWriter) histograms(name, help string, zs []zoneSeries, resp bool) {
	first := true
	for _, z := range zs {
		h, sum := &z.s.RequestBuckets, z.s.RequestMsecCounter
		if resp {
			h, sum = &z.s.ResponseBuckets, z.s.ResponseMsecCounter
		}
		if len(h.Msecs) == 0 {
			continue
		}
		if first {
			w.family(name, "histogram", help)
			first = false
		}
		for i, m := range h.Msecs {
			w.sample(name+"_bucket", with(z.labels, "le", sec(m)), u(h.Counters[i]))
		}
		w.sample(name+"_bucket", with(z.labels, "le", "+Inf"), u(z.s.RequestCounter))
		w.sample(name+"_sum", z.labels, usec(sum))
		w.sample(name+"_count", z.labels, u(z.s.RequestCounter))
	}
}
