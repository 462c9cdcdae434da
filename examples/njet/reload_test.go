package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReloadUnderLoadLosesNoRequest keeps a stream of proxied requests
// running while the configuration is reloaded 20 times, each time with a
// different pair of upstream servers. No request may fail, and the
// requests sent after each reload must reach only the new pair.
func TestReloadUnderLoadLosesNoRequest(t *testing.T) {
	var backends []string
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("b%d", i)
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name)
		}))
		t.Cleanup(s.Close)
		backends = append(backends, s.Listener.Addr().String())
	}
	addr := freeAddr(t)
	dir := t.TempDir() + "/"
	require.NoError(t, os.MkdirAll(dir+"logs", 0o755))
	confFile := filepath.Join(dir, "njet.conf")
	writeConf := func(gen int) (names []string) {
		a, b := gen%4, (gen+1)%4
		text := fmt.Sprintf(`daemon off;
events {}
http {
    access_log off;
    upstream pool { server %s; server %s; keepalive 8; }
    server {
        listen %s;
        location / {
            proxy_pass http://pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, backends[a], backends[b], addr)
		require.NoError(t, os.WriteFile(confFile, []byte(text), 0o644))
		return []string{fmt.Sprintf("b%d", a), fmt.Sprintf("b%d", b)}
	}
	want := writeConf(0)

	o := &options{prefix: dir, confFile: "njet.conf"}
	p := resolvePaths(o)
	res, err := load(p, o, nil)
	require.NoError(t, err)
	pr, err := start(p, o, res)
	require.NoError(t, err)
	t.Cleanup(func() { pr.stop(false) })

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func() (string, error) {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		return string(body), nil
	}

	// The background stream: a few clients sending requests back to back
	// until the reloads are over.
	var stop atomic.Bool
	var sent atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := get(); err != nil {
					errs <- err
					return
				}
				sent.Add(1)
			}
		}()
	}

	for gen := 1; gen <= 20; gen++ {
		want = writeConf(gen)
		require.True(t, pr.reload(), "reload %d", gen)
		for i := 0; i < 6; i++ {
			body, err := get()
			require.NoError(t, err)
			require.Contains(t, want, body, "reload %d: answer from an old upstream", gen)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed during reloads: %v", err)
	}
	require.Greater(t, sent.Load(), int64(20), "the background stream ran")
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestCommandLine covers the option parsing nginx users rely on.
func TestCommandLine(t *testing.T) {
	o, err := parseArgs([]string{"-p", "/x", "-c", "a.conf", "-tq", "-gdaemon off;", "-e", "stderr"})
	require.NoError(t, err)
	require.Equal(t, "/x/", o.prefix)
	require.Equal(t, "a.conf", o.confFile)
	require.True(t, o.test)
	require.True(t, o.quiet)
	require.Equal(t, "daemon off;", o.globals)
	require.Equal(t, "stderr", o.errorLog)

	_, err = parseArgs([]string{"-s", "restart"})
	require.EqualError(t, err, `invalid option: "-s restart"`)
	_, err = parseArgs([]string{"-c"})
	require.EqualError(t, err, `option "-c" requires file name`)
	_, err = parseArgs([]string{"-x"})
	require.True(t, strings.HasPrefix(err.Error(), "invalid option"))
}
