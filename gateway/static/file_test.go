package static_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	"github.com/gonjet/gonjet/gateway/static"
)

// fileEngine is an engine side that can copy files itself, as an engine
// using sendfile would: it records what came through ReadFrom.
type fileEngine struct {
	status    int
	body      bytes.Buffer
	readFroms int
	// onWrite runs before the first Write.
	onWrite func()
}

func (w *fileEngine) WriteHeader(status int, _ *gateway.Header, _ bool) error {
	w.status = status
	return nil
}

func (w *fileEngine) Write(p []byte) (int, error) {
	if w.onWrite != nil {
		w.onWrite()
		w.onWrite = nil
	}
	return w.body.Write(p)
}

func (w *fileEngine) Flush() error { return nil }

func (w *fileEngine) ReadFrom(r io.Reader) (int64, error) {
	w.readFroms++
	return w.body.ReadFrom(r)
}

func serveTo(g *gateway.Gateway, w gateway.ResponseWriter, target string, hdr ...string) gateway.Outcome {
	req := gatewaytest.NewRequest("GET", target)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	req.Conn.Listen = g.Config().ListenKeys()[0]
	return g.Serve(req, w)
}

func TestStaticFileGoesToAFileCopyingEngineOnlyWhenLarge(t *testing.T) {
	small := strings.Repeat("s", 1024)
	large := strings.Repeat("0123456789abcdef", 8<<10) // 128 KiB
	root := tree(t, map[string]string{"small": small, "large": large})
	g := load(t, root, "root %ROOT%;")
	for _, tc := range []struct {
		name      string
		target    string
		hdr       []string
		status    int
		body      string
		readFroms int
	}{
		{"small body is read and written", "/small", nil, 200, small, 0},
		{"large body is copied by the engine", "/large", nil, 200, large, 1},
		{"large range is copied by the engine", "/large", []string{"Range", "bytes=100-40099"}, 206, large[100:40100], 1},
		{"small range of a large file is read", "/large", []string{"Range", "bytes=5-9"}, 206, large[5:10], 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &fileEngine{}
			serveTo(g, w, tc.target, tc.hdr...)
			require.Equal(t, tc.status, w.status)
			require.Equal(t, tc.body, w.body.String())
			require.Equal(t, tc.readFroms, w.readFroms)
		})
	}
}

func TestSendFileGivesAnOSFileToAFileCopyingEngine(t *testing.T) {
	root := tree(t, map[string]string{"f": "hello"})
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	loc.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		f, err := os.Open(filepath.Join(root, "f"))
		if err != nil {
			return gateway.Status(500)
		}
		defer f.Close()
		return static.SendFile(c, f, 5, 1700000000)
	})
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(loc)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})
	w := &fileEngine{}
	serveTo(g, w, "/f")
	require.Equal(t, 200, w.status)
	require.Equal(t, "hello", w.body.String())
	require.Equal(t, 1, w.readFroms)
}

func TestStaticFileTruncatedWhileSentClosesTheConnection(t *testing.T) {
	root := tree(t, map[string]string{"big": strings.Repeat("x", 100<<10)})
	g := load(t, root, "root %ROOT%;")
	l := recordLog(g)
	w := &discardWriter{}
	// the first buffer goes out, then the file shrinks under the handler
	tw := &truncatingWriter{discardWriter: w, path: filepath.Join(root, "big"), size: 40 << 10}
	out := serveTo(g, tw, "/big")
	require.Equal(t, 200, w.status)
	require.Equal(t, 40<<10, w.n)
	require.False(t, out.KeepAlive)
	require.Contains(t, l.text(), "[alert] file was truncated while sending the response")
}

type truncatingWriter struct {
	*discardWriter
	path string
	size int64
	done bool
}

func (w *truncatingWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		if err := os.Truncate(w.path, w.size); err != nil {
			return 0, err
		}
	}
	return w.discardWriter.Write(p)
}

func TestSendFileFromAShortReaderLogsTruncation(t *testing.T) {
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	loc.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		return static.SendFile(c, strings.NewReader("abc"), 10, 1700000000)
	})
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(loc)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})
	l := recordLog(g)
	r := gatewaytest.Get(t, g, "/x")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "abc", string(r.Body))
	require.False(t, r.Outcome.KeepAlive)
	require.Contains(t, l.text(), "file was truncated while sending the response")
}

func TestStaticServesPathsLongerThanTheStackBuffer(t *testing.T) {
	dir := strings.Repeat("d", 200)
	name := dir + "/" + dir + "/" + dir + "/f.txt" // over 600 bytes
	root := tree(t, map[string]string{name: "deep"})
	g := load(t, root, "root %ROOT%;")
	r := gatewaytest.Get(t, g, "/"+name)
	require.Equal(t, 200, r.Status)
	require.Equal(t, "deep", string(r.Body))
}

func TestStaticOpenErrorsMapToNginxAnswers(t *testing.T) {
	root := tree(t, map[string]string{"file": "x"})
	g := load(t, root, "root %ROOT%;")
	l := recordLog(g)
	long := strings.Repeat("n", 300)
	for _, tc := range []struct {
		uri    string
		status int
		log    string
	}{
		{"/file/below", 404, fmt.Sprintf(`[error] open() "%s/file/below" failed (20: Not a directory)`, root)},
		{"/" + long, 404, fmt.Sprintf(`[error] open() "%s/%s" failed (36: File name too long)`, root, long)},
	} {
		r := gatewaytest.Get(t, g, tc.uri)
		require.Equal(t, tc.status, r.Status, tc.uri)
		require.Contains(t, l.text(), tc.log, tc.uri)
	}
}
