package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
    server { listen %s; location / { proxy_pass http://backend1; } }
}
`, extraMain, n.data)
	ctrl := fmt.Sprintf("events {}\nhttp { server { listen %s; location /api { dyn_module_api; } } }\n", n.api)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf/njet_ctrl.conf"), []byte(ctrl), 0o644))
	n.start(t)
	return n
}

func (n *node) start(t *testing.T) {
	n.cmd = exec.Command(njetBinary(t), "-p", n.dir+"/", "-c", "conf/njet.conf")
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

// TestDynamicStateSurvivesSIGKILL adds an upstream server and a KV key
// through the API, kills the process without warning and finds both
// after a restart.
func TestDynamicStateSurvivesSIGKILL(t *testing.T) {
	n := startNode(t, t.TempDir(), "")
	code, body := n.call(t, "POST", serversPath, `{"server":"127.0.0.1:19005"}`)
	require.Equal(t, 201, code, body)
	code, body = n.call(t, "POST", "/api/v1/kv", `{"key":"color","value":"blue"}`)
	require.Equal(t, 200, code, body)

	n.kill()
	n.start(t)

	_, body = n.call(t, "GET", serversPath, "")
	require.Contains(t, body, `"server":"127.0.0.1:19005"`)
	_, body = n.call(t, "GET", "/api/v1/kv?key=color", "")
	require.Contains(t, body, "blue")
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
