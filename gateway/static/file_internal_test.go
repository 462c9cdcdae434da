package static

import (
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

func TestStampHoldsTheHeaderValuesOfMtimeAndSize(t *testing.T) {
	for _, tc := range []struct{ mtime, size int64 }{
		{1700000000, 5},
		{0, 0},
		{-86400, 1 << 40}, // before 1970: nginx prints the hex with a sign too
		{253402300799, 123456789},
	} {
		s := stampOf(tc.mtime, tc.size)
		require.Equal(t, `"`+strconv.FormatInt(tc.mtime, 16)+"-"+strconv.FormatInt(tc.size, 16)+`"`, s.etag)
		require.Equal(t, gateway.FormatHTTPTime(tc.mtime), s.lastModified)
		require.Equal(t, strconv.FormatInt(tc.size, 10), s.length)
		require.Same(t, s, stampOf(tc.mtime, tc.size), "a second request finds the stamp")
	}
}

func TestStampSlotCollisionsGiveTheRightValues(t *testing.T) {
	// more (mtime, size) pairs than slots: every answer must still be
	// for its own file
	for i := int64(0); i < 3*int64(len(stamps)); i++ {
		s := stampOf(1700000000+i, i)
		require.Equal(t, 1700000000+i, s.mtime)
		require.Equal(t, strconv.FormatInt(i, 10), s.length)
	}
}

func TestPathWithNulIsRefused(t *testing.T) {
	_, err := appendPathz(nil, "/srv/www", "/a\x00.html")
	require.Equal(t, syscall.EINVAL, err)
	p, err := appendPathz(nil, "/srv/www", "/a.html")
	require.NoError(t, err)
	require.Equal(t, "/srv/www/a.html\x00", string(p))
}

func TestRangeFieldsFormatsContentRangeAndLength(t *testing.T) {
	cr, cl := rangeFields(byteRange{start: 10, end: 20}, "1000")
	require.Equal(t, "bytes 10-19/1000", cr)
	require.Equal(t, "10", cl)
}
