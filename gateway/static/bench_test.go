package static_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// discardWriter is the cheapest engine side: it keeps the status and
// counts the body bytes.
type discardWriter struct {
	status int
	n      int
}

func (w *discardWriter) WriteHeader(status int, _ *gateway.Header, _ bool) error {
	w.status = status
	return nil
}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *discardWriter) Flush() error                { return nil }

// staticLoop serves GET /1k, a 1 KiB file, with the configuration of the
// static load scenario (internal/bench: "root html; location / {}",
// access log off: the telemetry package that writes it is not linked in
// here). The returned function serves one request and reports
// what went wrong.
func staticLoop(t testing.TB) func() error {
	prefix := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(prefix, "html"), 0o755))
	body := strings.Repeat("x", 1024)
	require.NoError(t, os.WriteFile(filepath.Join(prefix, "html", "1k"), []byte(body), 0o644))
	g := gatewaytest.Load(t, `http {
		default_type application/octet-stream;
		server {
			listen 80;
			root `+filepath.Join(prefix, "html")+`;
			location / {
			}
		}
	}`)
	req := gatewaytest.NewRequest("GET", "/1k")
	req.Header.Add("User-Agent", "bench")
	req.Header.Add("Accept", "*/*")
	req.Conn.Listen = g.Config().ListenKeys()[0]
	w := &discardWriter{}
	return func() error {
		req.Start = time.Now()
		w.status, w.n = 0, 0
		g.Serve(req, w)
		if w.status != 200 || w.n != len(body) {
			return fmt.Errorf("status %d, %d bytes", w.status, w.n)
		}
		return nil
	}
}

// BenchmarkStaticFile1KiB serves GET requests for a 1 KiB file
// in-process (no client socket), one at a time; allocs/op counts the
// whole gateway path, core included.
func BenchmarkStaticFile1KiB(b *testing.B) {
	serve := staticLoop(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := serve(); err != nil {
			b.Fatal(err)
		}
	}
}

// staticAllocBudget is what a GET of a small file may allocate, the
// gateway core included: neither the core nor the static handler
// allocates on this path (path built on the stack, header values from
// the stamp cache, the file held by its descriptor). Raise the figure
// only with a reason.
const staticAllocBudget = 0

// raceEnabled is set by race_test.go in -race builds.
var raceEnabled bool

func TestStaticFileGetStaysWithinAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	serve := staticLoop(t)
	require.NoError(t, serve())
	var err error
	allocs := testing.AllocsPerRun(200, func() {
		if e := serve(); e != nil {
			err = e
		}
	})
	require.NoError(t, err)
	require.LessOrEqual(t, allocs, float64(staticAllocBudget), "allocations per request")
}
