package vts

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAverageIsAMMOrWMAOverThePeriod(t *testing.T) {
	now := time.UnixMilli(100_000)
	samples := []Sample{{Time: 10_000, Msec: 1000}, {Time: 95_000, Msec: 10}, {Time: 99_000, Msec: 40}}
	tests := []struct {
		name string
		avg  Average
		want int64
	}{
		{"AMM over all", Average{}, 350},
		{"AMM over 60s", Average{Period: 60 * time.Second}, 25},
		{"WMA over all", Average{Weighted: true}, (1000*1 + 10*2 + 40*3) / 6},
		{"WMA over 60s", Average{Weighted: true, Period: 60 * time.Second}, (10*1 + 40*2) / 3},
		{"nothing in the period", Average{Period: time.Millisecond}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, average(samples, tt.avg, now))
		})
	}
}

func TestDelayPercentilesFollowTheHistogram(t *testing.T) {
	h := newDelayHist(2)
	require.Equal(t, [5]int64{}, h.percentiles())
	for i := 0; i < 1000; i++ {
		h.record(i%2, 0)
	}
	h.record(0, 1)
	h.record(1, 300)
	h.record(1, 70000) // beyond the range: not recorded
	require.Equal(t, [5]int64{0, 0, 1, 301, 301}, h.percentiles())
}

func TestDelayIndexCoversTheRangeInOrder(t *testing.T) {
	prev := -1
	for v := int64(0); v <= delayMax; v++ {
		i := delayIndex(v)
		require.GreaterOrEqual(t, i, prev)
		require.GreaterOrEqual(t, delayValue(i), v)
		require.LessOrEqual(t, float64(delayValue(i)-v), float64(v)/halfBuckets+0.5, "value %d", v)
		prev = i
	}
	require.Less(t, prev, delayBuckets)
}

func TestSplitTriesReadsUpstreamLists(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"127.0.0.1:80", []string{"127.0.0.1:80"}},
		{"127.0.0.1:80, [::1]:81", []string{"127.0.0.1:80", "[::1]:81"}},
		{"a:1, b:2 : unix:/s", []string{"a:1", "b:2", "unix:/s"}},
		{"502, 504 : 200", []string{"502", "504", "200"}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, splitTries(tt.in, nil), tt.in)
	}
}

func TestParseMsecAndFixed3(t *testing.T) {
	for in, want := range map[string]int64{"0.001": 1, "1.234": 1234, "12": 12000, "-": 0, "0.5": 500} {
		require.Equal(t, want, parseMsec(in), in)
	}
	for in, want := range map[string]int64{"0.005": 5, ".5": 500, "1": 1000, "10.25": 10250} {
		v, ok := parseFixed3(in)
		require.True(t, ok, in)
		require.Equal(t, want, v, in)
	}
	for _, in := range []string{"", ".", "1.2345", "-1", "x"} {
		_, ok := parseFixed3(in)
		require.False(t, ok, in)
	}
}

func TestSplitFormatFindsTheFirstKnownFormat(t *testing.T) {
	tests := []struct {
		uri, base string
		f         Format
	}{
		{"/status", "/status", 0},
		{"/", "", 0},
		{"/status/format/json", "/status", FormatJSON},
		{"/status/format/jsonp", "/status", FormatJSONP},
		{"/status/format/jsonx", "/status", FormatJSON},
		{"/status/format/xml/format/html", "/status/format/xml", FormatHTML},
		{"/format/prometheus", "", FormatPrometheus},
	}
	for _, tt := range tests {
		base, f := splitFormat(tt.uri)
		require.Equal(t, tt.base, base, tt.uri)
		require.Equal(t, tt.f, f, tt.uri)
	}
}

func TestRingKeepsTheNewestSamples(t *testing.T) {
	z := newZone("ring-test")
	z.maxSize.Store(1 << 30)
	n := z.get(nodeKey(KindServer, "", "x"), KindServer, "", "x", nil)
	for i := 0; i < 500; i++ {
		n.shards[i%z.shards].reqRing.add(int64(i), int64(i))
	}
	s := z.samples(n, false)
	require.Len(t, s, queueLen)
	require.EqualValues(t, 499, s[len(s)-1].Msec)
	require.EqualValues(t, 500-queueLen, s[0].Msec)
}
