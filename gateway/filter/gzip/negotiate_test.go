package gzip

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

func TestAcceptsGzipFollowsNginxParsing(t *testing.T) {
	for _, tc := range []struct {
		ae   string
		want bool
	}{
		{"", false},
		{"gz", false},
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate", true},
		{"gzip,deflate,sdch", true},
		{"deflate, gzip", true},
		{"deflate,gzip", true},
		{"gzip;q=1", true},
		{"gzip; q=0.5", true},
		{"gzip;q=0.001", true},
		{"gzip;Q=1.000", true},
		{"gzip;q=0", false},
		{"gzip;q=0.000", false},
		{"gzip; q=0, deflate", false},
		{"deflate, gzip;q=0", false},
		{"gzip;q=1.5", false},
		{"gzip;q=0.0001", false},
		{"gzip;q=", false},
		{"gzip;q", false},
		{"gzip;level=1", false},
		{"gzip;", true},
		{"gzip ;q=0", false},
		{"gzipx", false},
		{"x-gzip", false},
		{"x-gzip, gzip", true},
		{"identity", false},
		{"*", false},
		{"deflate;q=0.5, gzip;q=0.8", true},
	} {
		require.Equal(t, tc.want, AcceptsGzip(tc.ae), "%q", tc.ae)
	}
}

func TestHasTokenMatchesWholeElementsOnly(t *testing.T) {
	for _, tc := range []struct {
		values []string
		name   string
		want   bool
	}{
		{[]string{"no-cache"}, "no-cache", true},
		{[]string{"No-Cache"}, "no-cache", true},
		{[]string{"max-age=0, no-cache"}, "no-cache", true},
		{[]string{"max-age=0,no-cache ,x"}, "no-cache", true},
		{[]string{"no-cache=\"Set-Cookie\""}, "no-cache", false},
		{[]string{"private=x"}, "private", false},
		{[]string{"public", "private"}, "private", true},
		{[]string{"xprivate"}, "private", false},
		{[]string{"priv"}, "private", false},
	} {
		require.Equal(t, tc.want, hasToken(tc.values, tc.name), "%q", tc.values)
	}
}

func TestMSIE6DetectionIsNginxs(t *testing.T) {
	for _, tc := range []struct {
		ua   string
		want bool
	}{
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", true},
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", false},
		{"Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)", true},
		{"Mozilla/4.0 (compatible; MSIE 4.01; Windows 95)", true},
		{"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)", false},
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1) Opera 8.0", false},
		{"MSIE 6.0", true},
		{"MSIE 6.", false}, // too short for nginx to look at
		{"curl/8.0", false},
	} {
		var h gateway.Header
		h.Add("User-Agent", tc.ua)
		require.Equal(t, tc.want, isMSIE6(&h), tc.ua)
	}
}

func TestRatioHasTwoDecimalsRoundedHalfUp(t *testing.T) {
	for _, tc := range []struct {
		zin, zout int64
		want      string
	}{
		{100, 50, "2.00"},
		{2125, 1000, "2.13"},
		{2124, 1000, "2.12"},
		{1999, 1000, "2.00"},
		{10, 30, "0.33"},
		{64, 23, "2.78"},
		{0, 20, "0.00"},
	} {
		require.Equal(t, tc.want, formatRatio(tc.zin, tc.zout), "%d/%d", tc.zin, tc.zout)
	}
}

func TestWeakenETag(t *testing.T) {
	for _, tc := range []struct {
		etag string
		want string
		has  bool
	}{
		{`"5f-3a"`, `W/"5f-3a"`, true},
		{`W/"5f-3a"`, `W/"5f-3a"`, true},
		{`5f-3a`, "", false},
		{``, "", false},
	} {
		var h gateway.Header
		h.Add("ETag", tc.etag)
		weakenETag(&h)
		v, ok := h.Lookup("ETag")
		require.Equal(t, tc.has, ok, tc.etag)
		require.Equal(t, tc.want, v, tc.etag)
	}
}

func TestMediaTypeDropsOnlyCharsetParameters(t *testing.T) {
	require.Equal(t, "text/html", mediaType("text/html; charset=utf-8"))
	require.Equal(t, "text/html", mediaType("text/html;charset=UTF-8"))
	require.Equal(t, "text/html; q=1", mediaType("text/html; q=1"))
	require.Equal(t, "text/html; a=b", mediaType("text/html; a=b; charset=x"))
	require.Equal(t, "text/html;", mediaType("text/html;"))
}
