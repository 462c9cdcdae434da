package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// TestReferenceConfigsRunAsTheyAre starts njet on OpenNJet's reference
// njet.conf and njet_ctrl.conf (conf/, manual §4.2 and §4.3), changed only
// in their ports, and checks what the manual promises: the data plane
// serves html/, the control plane answers /api/v1/config, /doc/swagger/
// and /metrics.
func TestReferenceConfigsRunAsTheyAre(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"conf", "logs", "html"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	data, ctrl := freeAddr(t), freeAddr(t)
	_, dataPort, _ := strings.Cut(data, ":")
	_, ctrlPort, _ := strings.Cut(ctrl, ":")
	for name, port := range map[string]string{"njet.conf": dataPort, "njet_ctrl.conf": ctrlPort, "mime.types": ""} {
		b, err := os.ReadFile(filepath.Join("conf", name))
		require.NoError(t, err)
		text := string(b)
		if port != "" {
			text = strings.Replace(text, "listen       8080;", "listen       "+port+";", 1)
			text = strings.Replace(text, "listen       8081;", "listen       "+port+";", 1)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", name), []byte(text), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "html/index.html"), []byte("<h1>njet</h1>\n"), 0o644))

	n := &node{dir: dir, data: data, api: ctrl}
	n.startArgs(t, "-g", "daemon off;")

	code, body := n.get(t, "localhost", "/")
	require.Equal(t, 200, code)
	require.Equal(t, "<h1>njet</h1>\n", body)

	code, body = n.call(t, "GET", "/api/v1/config", "")
	require.Equal(t, 200, code)
	require.Contains(t, body, `"dyn_upstream"`)

	resp, err := http.Get("http://" + ctrl + "/doc/swagger/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(page), "swagger-ui")

	resp, err = http.Get("http://" + ctrl + "/metrics/format/json")
	require.NoError(t, err)
	status, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(status), `"serverZones"`)
}

// TestShippedMimeTypesMatchTheTable keeps conf/mime.types and the
// gateway's table the same.
func TestShippedMimeTypesMatchTheTable(t *testing.T) {
	b, err := os.ReadFile("conf/mime.types")
	require.NoError(t, err)
	nodes, err := conf.Parse("conf/mime.types", b)
	require.NoError(t, err)
	require.Len(t, nodes, 1)
	got := map[string]string{}
	for _, n := range nodes[0].Block {
		for _, ext := range n.Args {
			got[ext] = n.Name
		}
	}
	require.Equal(t, gateway.StandardMimeTypes(), got)
}
