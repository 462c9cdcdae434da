package conf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseSizeAndOffsetAsNginx(t *testing.T) {
	for _, tc := range []struct {
		in         string
		size, off  int64
		sizeOK, ok bool
	}{
		{"0", 0, 0, true, true},
		{"512", 512, 512, true, true},
		{"8k", 8192, 8192, true, true},
		{"8K", 8192, 8192, true, true},
		{"1m", 1 << 20, 1 << 20, true, true},
		{"2M", 2 << 20, 2 << 20, true, true},
		{"1g", 0, 1 << 30, false, true},
		{"1G", 0, 1 << 30, false, true},
		{"", 0, 0, false, false},
		{"k", 0, 0, false, false},
		{"-1", 0, 0, false, false},
		{"1.5m", 0, 0, false, false},
		{"1 m", 0, 0, false, false},
		{"1mb", 0, 0, false, false},
		{"99999999999999999999", 0, 0, false, false},
	} {
		size, err := ParseSize(tc.in)
		require.Equal(t, tc.sizeOK, err == nil, "size %q", tc.in)
		require.Equal(t, tc.size, size, "size %q", tc.in)
		off, err := ParseOffset(tc.in)
		require.Equal(t, tc.ok, err == nil, "offset %q", tc.in)
		require.Equal(t, tc.off, off, "offset %q", tc.in)
	}
}

func TestParseDurationAsNginxMsec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"30", 30 * time.Second, true},
		{"30s", 30 * time.Second, true},
		{"500ms", 500 * time.Millisecond, true},
		{"1m", time.Minute, true},
		{"1h 30m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"1m30s500ms", 90*time.Second + 500*time.Millisecond, true},
		{"2d", 48 * time.Hour, true},
		{"1w", 7 * 24 * time.Hour, true},
		{"1M", 0, false},
		{"1y", 0, false},
		{"1s 1m", 0, false},
		{"1m 1m", 0, false},
		{"10x", 0, false},
		{"", 0, false},
		{"s", 0, false},
		{"-5", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		require.Equal(t, tc.ok, err == nil, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseSecondsAsNginxSec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"60", time.Minute, true},
		{"1y", 365 * 24 * time.Hour, true},
		{"1M", 30 * 24 * time.Hour, true},
		{"1y 1M 1w 1d 1h 1m 1s", (365+30+7+1)*24*time.Hour + time.Hour + time.Minute + time.Second, true},
		{"1M 1y", 0, false},
		{"500ms", 0, false},
	} {
		got, err := ParseSeconds(tc.in)
		require.Equal(t, tc.ok, err == nil, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseNumber(t *testing.T) {
	for in, ok := range map[string]bool{"0": true, "123": true, "": false, "+1": false, "-1": false, "1k": false, "9223372036854775808": false} {
		_, err := ParseNumber(in)
		require.Equal(t, ok, err == nil, in)
	}
}

func TestFlagAcceptsOnOffInAnyCase(t *testing.T) {
	for in, want := range map[string]bool{"on": true, "ON": true, "Off": false, "off": false} {
		got, err := Flag(&Node{Name: "x", Args: []string{in}})
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
	_, err := Flag(&Node{Name: "gzip", Args: []string{"yes"}, File: "f", Line: 3})
	require.EqualError(t, err, `invalid value "yes" in "gzip" directive, it must be "on" or "off" in f:3`)
}
