package vts

import (
	"math"
	"math/bits"
	"sync/atomic"
)

// Percentiles are the request-delay percentiles OpenNJet publishes beside
// the upstream groups (p50reqdelayMsecr ... p99999reqdelayMsecr).
var Percentiles = [5]float64{50, 99, 99.9, 99.99, 99.999}

// delayHist records the delay of proxied requests (the time from the
// request's first byte until it went to the upstream) in a
// high-dynamic-range histogram, as OpenNJet's HDR histogram: values 0 to
// delayMax ms, exact below subBuckets ms and within 1/halfBuckets above;
// larger values are not recorded. One histogram per shard keeps writers
// apart.
type delayHist struct {
	shards [][]atomic.Uint64
}

const (
	delayMax    = 60000
	subBuckets  = 256 // values below are exact
	halfBuckets = subBuckets / 2
	subBits     = 8 // log2(subBuckets)
)

// delayBuckets is the counter count covering 0..delayMax.
var delayBuckets = delayIndex(delayMax) + 1

func newDelayHist(shards int) *delayHist {
	h := &delayHist{shards: make([][]atomic.Uint64, shards)}
	for i := range h.shards {
		h.shards[i] = make([]atomic.Uint64, delayBuckets)
	}
	return h
}

// delayIndex maps a value to its counter: values below subBuckets have
// their own; above, each doubling of the range gets halfBuckets counters.
func delayIndex(v int64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits // >= 1
	return subBuckets + (shift-1)*halfBuckets + int(v>>shift) - halfBuckets
}

// delayValue is the highest value counted by counter i.
func delayValue(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	i -= subBuckets
	shift := i/halfBuckets + 1
	low := int64(i%halfBuckets+halfBuckets) << shift
	return low + 1<<shift - 1
}

func (h *delayHist) record(shard int, ms int64) {
	if ms < 0 || ms > delayMax {
		return
	}
	h.shards[shard][delayIndex(ms)].Add(1)
}

// percentiles returns the value at each of Percentiles, 0 when nothing
// was recorded.
func (h *delayHist) percentiles() [5]int64 {
	counts := make([]uint64, delayBuckets)
	var total uint64
	for _, s := range h.shards {
		for i := range s {
			n := s[i].Load()
			counts[i] += n
			total += n
		}
	}
	var out [5]int64
	if total == 0 {
		return out
	}
	for pi, p := range Percentiles {
		want := uint64(math.Ceil(p / 100 * float64(total)))
		if want == 0 {
			want = 1
		}
		var run uint64
		for i, n := range counts {
			run += n
			if run >= want {
				out[pi] = delayValue(i)
				break
			}
		}
	}
	return out
}

func (h *delayHist) reset() {
	for _, s := range h.shards {
		for i := range s {
			s[i].Store(0)
		}
	}
}
