package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHTTP2CleartextThroughTheConfiguration serves HTTP/2 with prior
// knowledge and HTTP/1.1 on one "http2 on" server, proxied and answered
// directly, then stops gracefully with an HTTP/2 connection open.
func TestHTTP2CleartextThroughTheConfiguration(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend saw %s %s host=%s", r.Proto, r.URL.Path, r.Host)
	}))
	t.Cleanup(backend.Close)
	addr := freeAddr(t)
	dir := t.TempDir() + "/"
	require.NoError(t, os.MkdirAll(dir+"logs", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "njet.conf"), []byte(fmt.Sprintf(`daemon off;
events {}
http {
    access_log logs/access.log;
    log_format h2 "$http2 $server_protocol $status";
    server {
        listen %s;
        http2 on;
        access_log logs/h2.log h2;
        location = /v { return 200 "$http2 $server_protocol"; }
        location / { proxy_pass http://%s; }
    }
}
`, addr, backend.Listener.Addr())), 0o644))

	o := &options{prefix: dir, confFile: "njet.conf"}
	p := resolvePaths(o)
	res, err := load(p, o, nil)
	require.NoError(t, err)
	pr, err := start(p, o, res)
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			pr.stop(false)
		}
	})

	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2 := &http.Client{Transport: &http.Transport{Protocols: &protocols}, Timeout: 20 * time.Second}
	get := func(c *http.Client, path string) (int, string) {
		resp, err := c.Get("http://" + addr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.ProtoMajor, string(b)
	}

	major, body := get(h2, "/v")
	require.Equal(t, 2, major)
	require.Equal(t, "h2c HTTP/2.0", body)
	major, body = get(h2, "/x")
	require.Equal(t, 2, major)
	require.Equal(t, "backend saw HTTP/1.0 /x host="+backend.Listener.Addr().String(), body)
	major, body = get(http.DefaultClient, "/v")
	require.Equal(t, 1, major)
	require.Equal(t, " HTTP/1.1", body)

	// the HTTP/2 connection is still open: a graceful stop sends GOAWAY
	// and returns once it is gone
	pr.stop(true)
	stopped = true
	b, err := os.ReadFile(dir + "logs/h2.log")
	require.NoError(t, err)
	require.Equal(t, "h2c HTTP/2.0 200\nh2c HTTP/2.0 200\n HTTP/1.1 200\n", string(b))
}
