package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMinimalProxiesRoundRobinWithFilter builds the example, runs it
// against two real backends and checks that /api/ requests alternate
// between them and arrive tagged by the Go filter.
func TestMinimalProxiesRoundRobinWithFilter(t *testing.T) {
	backend := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name+" "+r.URL.Path+" "+r.Header.Get("X-Gateway"))
		}))
		t.Cleanup(s.Close)
		return s
	}
	a, b := backend("a"), backend("b")

	bin := filepath.Join(t.TempDir(), "minimal")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	addr := freeAddr(t)
	cmd := exec.Command(bin, addr, a.Listener.Addr().String(), b.Listener.Addr().String())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, addr)

	var got []string
	for i := 0; i < 4; i++ {
		resp, err := http.Get("http://" + addr + "/api/users")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		got = append(got, string(body))
	}
	require.Equal(t, []string{
		"a /api/users gonjet", "b /api/users gonjet",
		"a /api/users gonjet", "b /api/users gonjet",
	}, got)

	resp, err := http.Get("http://" + addr + "/other")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode, "only /api/ is proxied")
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitListening polls until the gateway accepts connections; the example
// has no readiness signal of its own.
func waitListening(t *testing.T, addr string) {
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("gateway did not listen on %s", addr)
}
