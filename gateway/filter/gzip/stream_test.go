package gzip

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sink is the next body writer of a stream under test.
type sink struct {
	bytes.Buffer
	writes, flushes, closes int
}

func (s *sink) Write(p []byte) (int, error) { s.writes++; return s.Buffer.Write(p) }
func (s *sink) Flush() error                { s.flushes++; return nil }
func (s *sink) Close() error                { s.closes++; return nil }

func newStream(t *testing.T, cfg Config) (*stream, *sink) {
	t.Helper()
	f, err := New(cfg)
	require.NoError(t, err)
	s := &stream{f: f}
	out := &sink{}
	s.start(out)
	return s, out
}

// readPrefix decodes as much of an unfinished gzip stream as there is.
func readPrefix(t *testing.T, b []byte, n int) string {
	t.Helper()
	zr, err := stdgzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	buf := make([]byte, n)
	_, err = io.ReadFull(zr, buf)
	require.NoError(t, err)
	return string(buf)
}

func TestFlushMakesWhatWasWrittenDecodable(t *testing.T) {
	s, out := newStream(t, DefaultConfig())
	_, err := s.Write([]byte("DA"))
	require.NoError(t, err)
	require.Zero(t, out.Len(), "small output waits for a full buffer")

	require.NoError(t, s.Flush())
	require.Equal(t, "DA", readPrefix(t, out.Bytes(), 2))
	require.Equal(t, 1, out.flushes)
	n := out.Len()

	// a flush with nothing new sends nothing, as the gzip_flush.t case
	require.NoError(t, s.Flush())
	require.Equal(t, n, out.Len())

	_, err = s.Write([]byte("TA"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close does nothing")
	require.Equal(t, 1, out.closes)

	zr, err := stdgzip.NewReader(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, "DATA", string(body))
	require.Equal(t, int64(4), s.zin)
	require.Equal(t, int64(out.Len()), s.zout)

	_, err = s.Write([]byte("late"))
	require.Error(t, err)
}

func TestOutputGoesOnInBuffersOfTheConfiguredSize(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BufferSize = 1024
	s, out := newStream(t, cfg)
	// incompressible enough to produce many buffers
	var b strings.Builder
	x := uint32(1)
	for b.Len() < 64<<10 {
		x = x*1664525 + 1013904223
		b.WriteByte(byte(x >> 24))
	}
	in := b.String()
	for i := 0; i < len(in); i += 3000 {
		_, err := s.Write([]byte(in[i:min(i+3000, len(in))]))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	require.Greater(t, out.writes, 32)
	require.LessOrEqual(t, out.writes, out.Len()/1024+1, "every write but the last is a full buffer")

	zr, err := stdgzip.NewReader(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, in, string(body))
}

func TestEmptyBodyIsAValidGzipStream(t *testing.T) {
	s, out := newStream(t, DefaultConfig())
	require.NoError(t, s.Close())
	zr, err := stdgzip.NewReader(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Empty(t, body)
	require.Equal(t, int64(out.Len()), s.zout)
	require.Equal(t, "0.00", formatRatio(s.zin, s.zout))
}

func TestNewRejectsLevelsOutsideOneToNine(t *testing.T) {
	for _, level := range []int{0, 10, -1} {
		cfg := DefaultConfig()
		cfg.Level = level
		_, err := New(cfg)
		require.Error(t, err, "level %d", level)
	}
}
