package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireProgram skips (or, with GONJET_REQUIRE_EXTERNAL=1, fails) a test
// that needs a program from a Debian package.
func requireProgram(t *testing.T, name, pkg string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
			t.Fatalf("%s not found: install Debian package %s", name, pkg)
		}
		t.Skipf("%s not found: install Debian package %s", name, pkg)
	}
	return path
}

// node is one njet process with a data plane and a control plane.
type node struct {
	dir       string
	data, api string // addresses
	cmd       *exec.Cmd
}

func startNode(t *testing.T, dir, extraMain string) *node {
	n := &node{dir: dir, data: freeAddr(t), api: freeAddr(t)}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	conf := fmt.Sprintf(`daemon off;
cluster_name c1;
%s
helper ctrl modules/njt_helper_ctrl_module.so conf/njet_ctrl.conf;
events {}
http {
    access_log off;
    upstream backend1 { zone backend1 256k; server 127.0.0.1:9; }
    server { listen %s; server_name localhost; location / { proxy_pass http://backend1; } }
}
`, extraMain, n.data)
	ctrl := fmt.Sprintf("events {}\nhttp { server { listen %s; location /api { dyn_module_api; } } }\n", n.api)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet_ctrl.conf"), []byte(ctrl), 0o644))
	n.start(t)
	return n
}

func (n *node) start(t *testing.T) { n.startArgs(t) }

// startArgs starts the node's process with extra command-line arguments.
func (n *node) startArgs(t *testing.T, args ...string) {
	n.cmd = exec.Command(njetBinary(t), append([]string{"-p", n.dir + "/", "-c", "conf/njet.conf"}, args...)...)
	n.cmd.Stderr = os.Stderr
	require.NoError(t, n.cmd.Start())
	t.Cleanup(func() { n.kill() })
	waitListening(t, n.api)
}

func (n *node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.cmd = nil
	}
}

func (n *node) call(t *testing.T, method, path, body string) (int, string) {
	req, err := http.NewRequest(method, "http://"+n.api+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const serversPath = "/api/v1/upstream_api/http/upstreams/backend1/servers"

// get sends a GET for path to the node's data plane with a Host header.
func (n *node) get(t *testing.T, host, path string) (int, string) {
	req, err := http.NewRequest("GET", "http://"+n.data+path, nil)
	require.NoError(t, err)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDynamicStateSurvivesSIGKILL adds an upstream server, a location, a
// virtual server and a KV key through the API, kills the process without
// warning, and finds all four after a restart, in API answers and in
// traffic.
func TestDynamicStateSurvivesSIGKILL(t *testing.T) {
	n := startNode(t, t.TempDir(), "")
	code, body := n.call(t, "POST", serversPath, `{"server":"127.0.0.1:19005"}`)
	require.Equal(t, 201, code, body)
	code, body = n.call(t, "POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"`+n.data+`","server_name":"localhost",
		"locations":[{"location_rule":"=","location_name":"/dyn","location_body":"return 200 dyn-location;"}]}`)
	require.Equal(t, 200, code, body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, body)
	code, body = n.call(t, "POST", "/api/v1/dyn_srv", `{"type":"add","addr_port":"`+n.data+`","server_name":"vs.example",
		"server_body":"return 200 dyn-server;"}`)
	require.Equal(t, 200, code, body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, body)
	code, body = n.call(t, "POST", "/api/v1/kv", `{"key":"color","value":"blue"}`)
	require.Equal(t, 200, code, body)

	check := func() {
		_, body := n.call(t, "GET", serversPath, "")
		require.Contains(t, body, `"server":"127.0.0.1:19005"`)
		_, body = n.call(t, "GET", "/api/v1/kv?key=color", "")
		require.Contains(t, body, "blue")
		code, body := n.get(t, "localhost", "/dyn")
		require.Equal(t, 200, code)
		require.Equal(t, "dyn-location", body)
		code, body = n.get(t, "vs.example", "/")
		require.Equal(t, 200, code)
		require.Equal(t, "dyn-server", body)
	}
	check()
	n.kill()
	n.start(t)
	check()
}

// TestClusterSharesChangesThroughMosquitto runs two njet processes on one
// mosquitto broker: a change made through either node's API is served by
// both within a second, and a node that was down catches up when it
// returns.
func TestClusterSharesChangesThroughMosquitto(t *testing.T) {
	mosq := requireProgram(t, "mosquitto", "mosquitto")
	dir := t.TempDir()
	broker := freeAddr(t)
	host, port, _ := strings.Cut(broker, ":")
	mconf := filepath.Join(dir, "mosquitto.conf")
	require.NoError(t, os.WriteFile(mconf, []byte(fmt.Sprintf("listener %s %s\nallow_anonymous true\nset_tcp_nodelay true\n", port, host)), 0o644))
	mq := exec.Command(mosq, "-c", mconf)
	require.NoError(t, mq.Start())
	t.Cleanup(func() { mq.Process.Kill(); mq.Wait() })
	waitListening(t, broker)

	store := "dyn_store mqtt://" + broker + ";"
	a := startNode(t, filepath.Join(dir, "a"), store)
	b := startNode(t, filepath.Join(dir, "b"), store)

	seen := func(n *node, server string) func() bool {
		return func() bool {
			_, body := n.call(t, "GET", serversPath, "")
			return strings.Contains(body, server)
		}
	}
	code, body := a.call(t, "POST", serversPath, `{"server":"127.0.0.1:19005"}`)
	require.Equal(t, 201, code, body)
	require.Eventually(t, seen(b, "127.0.0.1:19005"), time.Second, 20*time.Millisecond)

	code, body = b.call(t, "POST", serversPath, `{"server":"127.0.0.1:19006"}`)
	require.Equal(t, 201, code, body)
	require.Eventually(t, seen(a, "127.0.0.1:19006"), time.Second, 20*time.Millisecond)

	b.kill()
	code, body = a.call(t, "POST", serversPath, `{"server":"127.0.0.1:19007"}`)
	require.Equal(t, 201, code, body)
	b.start(t)
	require.Eventually(t, seen(b, "127.0.0.1:19007"), 2*time.Second, 20*time.Millisecond)
}

// waitListening polls until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	for i := 0; i < 400; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// TestAPIWritersUnderLoad runs 200 concurrent API writers against one
// node for 10 s (1 s with -short) while a steady stream of proxied
// requests goes through the data plane. Every write is applied or
// rejected with an answer, the final GET shows exactly the applied
// writes, and no proxied request fails.
func TestAPIWritersUnderLoad(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend")
	}))
	t.Cleanup(backend.Close)

	dir := t.TempDir()
	n := &node{dir: dir, data: freeAddr(t), api: freeAddr(t)}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	conf := fmt.Sprintf(`daemon off;
helper ctrl modules/njt_helper_ctrl_module.so conf/njet_ctrl.conf;
events {}
http {
    access_log off;
    upstream backend1 { zone backend1 256k; server %s; keepalive 16; }
    server {
        listen %s;
        location / { proxy_pass http://backend1; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
`, backend.Listener.Addr(), n.data)
	ctrl := fmt.Sprintf("events {}\nhttp { server { listen %s; location /api { dyn_module_api; } } }\n", n.api)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet_ctrl.conf"), []byte(ctrl), 0o644))
	n.start(t)

	duration := 10 * time.Second
	if testing.Short() {
		duration = time.Second
	}
	deadline := time.Now().Add(duration)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

	var mu sync.Mutex
	applied := map[string]bool{} // server address -> present
	var writes, rejected atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 200; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				addr := fmt.Sprintf("127.0.%d.%d:%d", 2+w/250, 1+w%250, 10000+i)
				// marked down, so that the data plane never sends traffic to it
				req, _ := http.NewRequest("POST", "http://"+n.api+serversPath, strings.NewReader(`{"server":"`+addr+`","down":true}`))
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("API write: %v", err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				writes.Add(1)
				if resp.StatusCode != 201 {
					if rejected.Add(1) == 1 {
						t.Logf("first rejected write: %d %s", resp.StatusCode, b)
					}
					if resp.StatusCode < 400 || !strings.Contains(string(b), "error") {
						t.Errorf("write neither applied nor rejected with an error: %d %s", resp.StatusCode, b)
					}
					continue
				}
				var got struct{ ID int }
				require.NoError(t, json.Unmarshal(b, &got))
				mu.Lock()
				applied[addr] = true
				mu.Unlock()
				if i%2 == 1 { // every other server is deleted again
					req, _ := http.NewRequest("DELETE", fmt.Sprintf("http://%s%s/%d", n.api, serversPath, got.ID), nil)
					resp, err := client.Do(req)
					if err != nil {
						t.Errorf("API delete: %v", err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					writes.Add(1)
					if resp.StatusCode == 200 || resp.StatusCode == 204 {
						mu.Lock()
						applied[addr] = false
						mu.Unlock()
					} else if rejected.Add(1) == 1 {
						t.Logf("first rejected delete: %d", resp.StatusCode)
					}
				}
			}
		}(w)
	}

	var served, failed atomic.Int64
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get("http://" + n.data + "/")
				if err != nil {
					failed.Add(1)
					t.Errorf("proxied request: %v", err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "backend" {
					failed.Add(1)
					t.Errorf("proxied request: %d %q", resp.StatusCode, b)
					continue
				}
				served.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Zero(t, failed.Load())
	require.Greater(t, served.Load(), int64(0))
	require.Greater(t, writes.Load(), int64(200))

	_, body := n.call(t, "GET", serversPath, "")
	var list []struct{ Server string }
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	present := map[string]bool{}
	for _, s := range list {
		present[s.Server] = true
	}
	for addr, in := range applied {
		require.Equal(t, in, present[addr], "server %s", addr)
	}
	t.Logf("%d writes (%d rejected), %d proxied requests", writes.Load(), rejected.Load(), served.Load())
}
