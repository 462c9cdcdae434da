package telemetry

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readFile reads a log file once the lines written so far are in it.
func readFile(t *testing.T, name string) string {
	Sync()
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func TestFileUnbufferedLinesAreWrittenInOrderWithoutWaitingForMore(t *testing.T) {
	name := filepath.Join(t.TempDir(), "a.log")
	f, err := OpenFile(name, Buffering{})
	require.NoError(t, err)
	require.NoError(t, f.Write([]byte("one\n")))
	// the writer goroutine writes it on its own, with nothing else coming
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(name)
		return string(b) == "one\n"
	}, 10*time.Second, time.Millisecond)

	var want strings.Builder
	for i := 0; i < 2000; i++ {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		require.NoError(t, f.Write([]byte(line)))
	}
	Sync()
	require.Equal(t, "one\n"+want.String(), readFile(t, name), "Sync writes what is queued, in order")
	require.NoError(t, f.Write([]byte("last\n")))
	require.NoError(t, f.Close())
	require.True(t, strings.HasSuffix(readFile(t, name), "line 1999\nlast\n"), "closing the last user writes the queue")
}

func TestFileBufferWritesWhenFullOrClosed(t *testing.T) {
	name := filepath.Join(t.TempDir(), "b.log")
	f, err := OpenFile(name, Buffering{Size: 10})
	require.NoError(t, err)
	require.NoError(t, f.Write([]byte("1234\n")))
	require.NoError(t, f.Write([]byte("5678\n")))
	require.Equal(t, "", readFile(t, name), "the buffer holds lines")
	require.NoError(t, f.Write([]byte("9\n")))
	require.Equal(t, "1234\n5678\n", readFile(t, name), "a full buffer is written before the next line")
	require.NoError(t, f.Write([]byte("a line longer than the buffer\n")))
	require.Equal(t, "1234\n5678\n9\na line longer than the buffer\n", readFile(t, name))
	require.NoError(t, f.Write([]byte("tail\n")))
	require.NoError(t, f.Close())
	require.Equal(t, "1234\n5678\n9\na line longer than the buffer\ntail\n", readFile(t, name), "closing writes the rest")
}

func TestFileFlushTimeWritesTheBuffer(t *testing.T) {
	name := filepath.Join(t.TempDir(), "c.log")
	f, err := OpenFile(name, Buffering{Size: 1 << 20, Flush: 10 * time.Millisecond})
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Write([]byte("x\n")))
	require.Eventually(t, func() bool { return readFile(t, name) == "x\n" }, 10*time.Second, 5*time.Millisecond)
}

func TestFileGzipWritesGzipMembers(t *testing.T) {
	name := filepath.Join(t.TempDir(), "d.log.gz")
	f, err := OpenFile(name, Buffering{Size: 64 << 10, Gzip: 1})
	require.NoError(t, err)
	require.NoError(t, f.Write([]byte("/compressed:200\n")))
	require.NoError(t, f.Flush())
	require.NoError(t, f.Write([]byte("/again:200\n")))
	require.NoError(t, f.Close())
	zr, err := gzip.NewReader(bytes.NewReader([]byte(readFile(t, name))))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, "/compressed:200\n/again:200\n", string(out))
}

func TestFilesSharePathAndCloseWithLastUser(t *testing.T) {
	name := filepath.Join(t.TempDir(), "e.log")
	a, err := OpenFile(name, Buffering{})
	require.NoError(t, err)
	b, err := OpenFile(name, Buffering{Size: 100})
	require.NoError(t, err)
	require.Same(t, a.shared, b.shared, "one descriptor per path")
	require.NoError(t, a.Close())
	require.NoError(t, b.Write([]byte("still open\n")))
	require.NoError(t, b.Close())
	require.Equal(t, "still open\n", readFile(t, name))
	files.mu.Lock()
	_, open := files.byPath[name]
	files.mu.Unlock()
	require.False(t, open)
}

func TestReopenSwitchesToTheNewFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f.log")
	f, err := OpenFile(name, Buffering{Size: 100})
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Write([]byte("before\n")))
	require.NoError(t, os.Rename(name, name+".1"))
	require.NoError(t, Reopen())
	require.NoError(t, f.Write([]byte("after\n")))
	require.NoError(t, f.Flush())
	require.Equal(t, "before\n", readFile(t, name+".1"), "buffered lines go to the old file")
	require.Equal(t, "after\n", readFile(t, name))
}

func TestOpenFileErrorReadsAsNginx(t *testing.T) {
	name := filepath.Join(t.TempDir(), "missing", "x.log")
	_, err := OpenFile(name, Buffering{})
	require.EqualError(t, err, `open() "`+name+`" failed (2: No such file or directory)`)
}

func TestFileCacheKeepsFilesAsOpenLogFileCache(t *testing.T) {
	// access_log.t "cache": max=3 min_uses=2; files used twice stay open
	// and keep receiving lines after their directory is moved away.
	base := t.TempDir()
	dir := filepath.Join(base, "dir")
	require.NoError(t, os.Mkdir(dir, 0o755))
	fc := NewFileCache(3, 20*time.Second, 2, time.Minute)
	defer fc.Close()
	write := func(name string) { fc.Write(filepath.Join(dir, "cache_"+name), []byte("/cache\n")) }
	for _, n := range []string{"lru", "lru", "once", "first", "first", "second", "second"} {
		write(n)
	}
	require.NoError(t, os.Rename(dir, dir+"_moved"))
	for _, n := range []string{"lru", "once", "first", "second"} {
		write(n)
	}
	require.NoError(t, os.Rename(dir+"_moved", dir))
	count := func(n string) int { return strings.Count(readFile(t, filepath.Join(dir, "cache_"+n)), "/") }
	require.Equal(t, 2, count("lru"), "evicted as least recently used")
	require.Equal(t, 1, count("once"), "not kept below min_uses")
	require.Equal(t, 3, count("first"))
	require.Equal(t, 3, count("second"))
}
