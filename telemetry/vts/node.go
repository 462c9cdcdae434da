package vts

import (
	"sort"
	"time"
)

// queueLen is how many of its newest request times a node shows
// (nginx-module-vts's NGX_HTTP_VHOST_TRAFFIC_STATUS_DEFAULT_QUEUE_LEN);
// the averages are taken over them.
const queueLen = 64

// MaxBuckets is the most histogram buckets
// vhost_traffic_status_histogram_buckets accepts.
const MaxBuckets = 32

// Average is how requestMsec and responseMsec are computed from a node's
// newest request times (vhost_traffic_status_average_method).
type Average struct {
	// Weighted selects the weighted moving average (WMA), newer samples
	// counting more; false is the arithmetic mean (AMM).
	Weighted bool
	// Period keeps only the samples of the last Period; 0 keeps all.
	Period time.Duration
}

// DefaultAverage is nginx-module-vts's default: AMM over 60s.
var DefaultAverage = Average{Period: 60 * time.Second}

// Sample is one request time kept by a node.
type Sample struct {
	// Time is when the request was logged, in ms since the Unix epoch.
	Time int64
	// Msec is how long it took, in ms.
	Msec int64
}

// Histogram is a node's histogram: Counters[i] counts the requests that
// took at most Msecs[i] ms (cumulative, as Prometheus buckets).
type Histogram struct {
	Msecs    []int64
	Counters []uint64
}

// Stats is the state of one node: a server name, a filter key or an
// upstream peer. The field names follow the status document.
type Stats struct {
	RequestCounter uint64
	InBytes        uint64
	OutBytes       uint64
	// Responses counts responses by class: 1xx..5xx.
	Responses [5]uint64
	// Cache counts cache results: miss, bypass, expired, stale, updating,
	// revalidated, hit, scarce.
	Cache              [8]uint64
	RequestMsecCounter uint64
	RequestMsec        int64
	RequestMsecs       []Sample
	RequestBuckets     Histogram
	// The upstream-only fields.
	ResponseMsecCounter uint64
	ResponseMsec        int64
	ResponseMsecs       []Sample
	ResponseBuckets     Histogram
	// Timeouts counts tries that timed out (OpenNJet's responses.timeout).
	Timeouts uint64
}

// stats sums the shards of n, with averages by avg as of now.
func (z *Zone) stats(n *node, avg Average, now time.Time) Stats {
	var s Stats
	if n == nil {
		return s
	}
	var c [numCounters]uint64
	for i := range n.shards {
		for j := range c {
			c[j] += n.shards[i].c[j].Load()
		}
	}
	s.RequestCounter, s.InBytes, s.OutBytes = c[cRequests], c[cIn], c[cOut]
	copy(s.Responses[:], c[c1xx:c5xx+1])
	copy(s.Cache[:], c[cMiss:cScarce+1])
	s.RequestMsecCounter, s.ResponseMsecCounter, s.Timeouts = c[cRequestMsec], c[cResponseMsec], c[cTimeout]

	s.RequestMsecs = z.samples(n, false)
	s.RequestMsec = average(s.RequestMsecs, avg, now)
	s.RequestBuckets = histogram(n, false)
	if n.kind == KindUpstreamGroup || n.kind == KindUpstreamAlone {
		s.ResponseMsecs = z.samples(n, true)
		s.ResponseMsec = average(s.ResponseMsecs, avg, now)
		s.ResponseBuckets = histogram(n, true)
	}
	return s
}

// samples merges the rings of n's shards into its newest queueLen
// samples, oldest first.
func (z *Zone) samples(n *node, resp bool) []Sample {
	var out []Sample
	base := z.base.UnixMilli()
	for i := range n.shards {
		r := &n.shards[i].reqRing
		if resp {
			r = &n.shards[i].respRing
		}
		for j := range r.samples {
			v := r.samples[j].Load()
			if v == 0 {
				continue
			}
			out = append(out, Sample{Time: base + int64(v>>msecBits) - 1, Msec: int64(v & msecMax)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	if len(out) > queueLen {
		out = out[len(out)-queueLen:]
	}
	return out
}

// average is nginx-module-vts's AMM or WMA over the samples newer than
// the period.
func average(samples []Sample, avg Average, now time.Time) int64 {
	var from int64
	if avg.Period > 0 {
		from = now.Add(-avg.Period).UnixMilli()
	}
	var sum, c, weights int64
	for _, s := range samples {
		if s.Time <= from {
			continue
		}
		c++
		if avg.Weighted {
			sum += s.Msec * c
			weights += c
		} else {
			sum += s.Msec
		}
	}
	switch {
	case c == 0:
		return 0
	case avg.Weighted:
		return sum / weights
	}
	return sum / c
}

func histogram(n *node, resp bool) Histogram {
	h := Histogram{Msecs: n.bounds, Counters: make([]uint64, len(n.bounds))}
	for i := range n.shards {
		b := n.shards[i].reqHist
		if resp {
			b = n.shards[i].respHist
		}
		for j := range b {
			h.Counters[j] += b[j].Load()
		}
	}
	return h
}

// reset zeroes n's counters, keeping the node.
func (n *node) reset() {
	for i := range n.shards {
		s := &n.shards[i]
		for j := range s.c {
			s.c[j].Store(0)
		}
		for _, r := range []*ring{&s.reqRing, &s.respRing} {
			for j := range r.samples {
				r.samples[j].Store(0)
			}
		}
		for j := range s.reqHist {
			s.reqHist[j].Store(0)
		}
		for j := range s.respHist {
			s.respHist[j].Store(0)
		}
	}
}

// addStats adds b's counters to a, merging the time samples, for the "*"
// total of the server zones.
func addStats(a *Stats, b *Stats) {
	a.RequestCounter += b.RequestCounter
	a.InBytes += b.InBytes
	a.OutBytes += b.OutBytes
	for i := range a.Responses {
		a.Responses[i] += b.Responses[i]
	}
	for i := range a.Cache {
		a.Cache[i] += b.Cache[i]
	}
	a.RequestMsecCounter += b.RequestMsecCounter
	a.RequestMsecs = mergeSamples(a.RequestMsecs, b.RequestMsecs)
}

// mergeSamples keeps the newest queueLen samples of a and b, oldest first.
func mergeSamples(a, b []Sample) []Sample {
	out := make([]Sample, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	if len(out) > queueLen {
		out = out[len(out)-queueLen:]
	}
	return out
}
