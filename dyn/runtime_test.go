package dyn_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/dynups"
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

func TestChangeThatDoesNotBuildIsNotStoredAndNothingChanges(t *testing.T) {
	env := dyntest.New(t, dyntest.DataConf, dyntest.Options{})
	ctx := context.Background()
	before := env.RT.Current()
	err := dynups.Add(ctx, env.RT, "bad", "zone bad 1m; keepalive abc;")
	require.Error(t, err)
	require.Contains(t, err.Error(), `invalid value "abc" in "keepalive" directive`)
	list, err := env.Store.List(ctx, dyn.Root)
	require.NoError(t, err)
	require.Empty(t, list)
	require.Same(t, before, env.RT.Current())

	require.NoError(t, dynups.Add(ctx, env.RT, "good", "zone good 1m;"))
	require.NotSame(t, before, env.RT.Current())
	require.NotNil(t, env.RT.Tree().FindUpstream("good"))
}

func TestChangeWithFailedConditionIsAConflict(t *testing.T) {
	env := dyntest.New(t, dyntest.DataConf, dyntest.Options{})
	val, _ := json.Marshal(map[string]any{"name": "u", "body": "zone u 1m;", "seq": 1})
	ctx := context.Background()
	require.NoError(t, env.RT.Change(ctx, dyn.Op{Key: dynups.Key("u"), Value: val, IfVersion: dyn.MustNotExist}))
	err := env.RT.Change(ctx, dyn.Op{Key: dynups.Key("u"), Value: val, IfVersion: dyn.MustNotExist})
	require.ErrorIs(t, err, dyn.ErrConflict)
	require.Error(t, env.RT.Change(ctx, dyn.Op{Key: "/elsewhere", Value: val}))
}

func TestChangesOfAnotherRuntimeSharingTheStoreAreFollowed(t *testing.T) {
	store := dyn.OpenMemory()
	t.Cleanup(func() { store.Close() })
	node1 := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store})

	nodes, err := conf.Parse("", []byte(dyntest.DataConf))
	require.NoError(t, err)
	g2, _ := gateway.New(nil)
	node2, err := dyn.NewRuntime(store, g2, nodes, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, node2.Start(context.Background()))
	t.Cleanup(node2.Stop)

	ctx := context.Background()
	require.NoError(t, dynups.Add(ctx, node1.RT, "shared", "zone shared 1m;"))
	require.NoError(t, node2.Wait(ctx, node1.RT.Version()))
	require.NotNil(t, node2.Tree().FindUpstream("shared"))

	require.NoError(t, dynups.Delete(ctx, node1.RT, "shared"))
	require.NoError(t, node2.Wait(ctx, node1.RT.Version()))
	require.Nil(t, node2.Tree().FindUpstream("shared"))
}

func TestReplayLeavesOutStoredStateThatNoLongerBuilds(t *testing.T) {
	store := dyn.OpenMemory()
	t.Cleanup(func() { store.Close() })
	put := func(name, body string, seq int) {
		val, _ := json.Marshal(map[string]any{"name": name, "body": body, "seq": seq})
		_, err := store.Apply(context.Background(), dyn.Op{Key: dynups.Key(name), Value: val})
		require.NoError(t, err)
	}
	put("ok1", "zone ok1 1m;", 1)
	put("broken", "zone broken 1m; keepalive abc;", 2)
	put("ok2", "zone ok2 1m;", 3)
	env := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store})
	tree := env.RT.Tree()
	require.NotNil(t, tree.FindUpstream("ok1"))
	require.NotNil(t, tree.FindUpstream("ok2"))
	require.Nil(t, tree.FindUpstream("broken"))
}

func TestSetBaseRebuildsWithTheStoredState(t *testing.T) {
	env := dyntest.New(t, dyntest.DataConf, dyntest.Options{})
	ctx := context.Background()
	require.NoError(t, dynups.Add(ctx, env.RT, "kept", "zone kept 1m;"))
	nodes, err := conf.Parse("", []byte(`events {} http { server { listen 127.0.0.1:8080; location / { return 200 "new base\n"; } } }`))
	require.NoError(t, err)
	require.NoError(t, env.RT.SetBase(ctx, nodes, conf.Options{Prefix: env.Prefix}))
	require.Equal(t, "new base\n", string(env.Get("", "/").Body))
	require.NotNil(t, env.RT.Tree().FindUpstream("kept"))
}
