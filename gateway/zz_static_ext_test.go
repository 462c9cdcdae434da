package gateway

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseHTTPTimeReadsTheThreeHTTPDateForms(t *testing.T) {
	const want = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", want, true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", want, true},
		{"Sun Nov  6 08:49:37 1994", want, true},
		{"Sun Nov 06 08:49:37 1994", want, true},
		{"Sun, 06 Nov 1994 08:49:37 GMT; length=12", want, true},
		{"Tue, 19 Jan 2038 03:14:08 GMT", 0x80000000, true},
		{"Thu, 29 Feb 2024 00:00:00 GMT", 1709164800, true},
		{"Thu, 29 Feb 2023 00:00:00 GMT", 0, false},
		{"Sun, 06 Nov 1994 24:49:37 GMT", 0, false},
		{"Sun, 6 Nov 1994 08:49:37 GMT", 0, false},
		{"yesterday", 0, false},
		{"", 0, false},
	} {
		got, ok := ParseHTTPTime(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	require.Equal(t, "Sun, 06 Nov 1994 08:49:37 GMT", FormatHTTPTime(want))
}

func TestLocationExtValuesAreKeptPerKey(t *testing.T) {
	a, b := NewExtKey(), NewExtKey()
	loc := NewLocation(MatchPrefix, "/")
	require.Nil(t, loc.ExtValue(b))
	loc.SetExt(b, "B")
	loc.SetExt(a, "A")
	require.Equal(t, "A", loc.ExtValue(a))
	require.Equal(t, "B", loc.ExtValue(b))
}
