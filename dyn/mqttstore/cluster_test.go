package mqttstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn/broker"
	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/mqttstore"
	_ "github.com/gonjet/gonjet/gateway/all"
)

// Two data planes whose runtimes share state through one broker: a
// location added through the control-plane API of one node is served by
// the other, and a node that joins later starts from the shared state.
func TestClusterNodesShareDynamicLocations(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "mqtt.conf")
	require.NoError(t, os.WriteFile(conf, []byte("listener 0 m.sock\npersistence false\nlog_dest none\n"), 0o644))
	b, err := broker.Open(broker.Options{Prefix: dir, Conf: conf})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	store := func() *mqttstore.Store {
		s, err := mqttstore.Open(context.Background(), mqttstore.Options{Server: "unix:" + filepath.Join(dir, "m.sock"), Root: "cluster"})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}

	node1 := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store()})
	// The control plane serves the runtime created last (dyn.Default).
	node2 := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store()})

	add := `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90","locations":[{"location_name":"/cluster","location_body":"return 200 shared"}]}`
	r := node2.API("POST", "/api/v1/dyn_loc", add)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.JSONEq(t, `{"code":0,"msg":"success."}`, string(r.Body))
	require.Equal(t, "shared", string(node2.Get("127.0.0.1:8090", "/cluster").Body))

	require.Eventually(t, func() bool {
		return string(node1.Get("127.0.0.1:8090", "/cluster").Body) == "shared"
	}, 5*time.Second, 5*time.Millisecond, "node1 rebuilt from node2's change")

	node3 := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store()})
	require.Equal(t, "shared", string(node3.Get("127.0.0.1:8090", "/cluster").Body))
}
