package dyn_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
)

const treeConf = `
http {
    upstream u1 { server 127.0.0.1:1; }
    server {
        listen 8080;
        location / { }
        location = /exact { }
        location /outer {
            location ~ ^/outer/inner { }
        }
    }
    server {
        listen *:8080;
        server_name a.com b.com;
        location /b { }
    }
    server {
        listen localhost:90;
        server_name "";
    }
}
stream { upstream s1 { server 127.0.0.1:2; } }
`

func TestTreeFindsServersLocationsAndUpstreams(t *testing.T) {
	nodes, err := dyn.ParseSnippet("t.conf", treeConf)
	require.NoError(t, err)
	tree := dyn.NewTree(nodes)
	servers := tree.Servers()
	require.Len(t, servers, 3)
	cases := []struct {
		listen, name string
		want         int // index in servers, -1 for none
	}{
		{"0.0.0.0:8080", "", 0},
		{"8080", "", 0},
		{"*:8080", "B.COM", 1},
		{"0.0.0.0:8080", "c.com", -1},
		{"127.0.0.1:90", "", 2},
		{"0.0.0.0:90", "", -1},
	}
	for _, c := range cases {
		got := tree.FindServer(c.listen, c.name)
		if c.want < 0 {
			require.Nil(t, got, "%s %s", c.listen, c.name)
			continue
		}
		require.Same(t, servers[c.want], got, "%s %s", c.listen, c.name)
	}
	a, _ := dyn.FindLocation(servers[0], "=/exact")
	b, _ := dyn.FindLocation(servers[0], "= /exact")
	require.Same(t, a, b, "blanks after the modifier do not matter")
	for _, name := range []string{"/", "= /exact", "~^/outer/inner", "/outer"} {
		loc, parent := dyn.FindLocation(servers[0], name)
		require.NotNil(t, loc, name)
		require.True(t, dyn.Remove(parent, loc), name)
		loc, _ = dyn.FindLocation(servers[0], name)
		require.Nil(t, loc, "removed %s", name)
	}
	require.NotNil(t, tree.FindUpstream("u1"))
	require.Nil(t, tree.FindUpstream("s1"))
	require.NotNil(t, tree.FindStreamUpstream("s1"))

	// the copy is deep: the parsed nodes did not change
	again := dyn.NewTree(nodes)
	loc, _ := dyn.FindLocation(again.Servers()[0], "/outer")
	require.NotNil(t, loc)
}

func TestInsertPlacesNodesBeforeADirective(t *testing.T) {
	nodes, err := dyn.ParseSnippet("", "http { a; server { } b; }")
	require.NoError(t, err)
	tree := dyn.NewTree(nodes)
	dyn.Insert(tree.HTTP(), "server", dyn.NewBlock("upstream", []string{"x"}, dyn.NewNode("zone", "x", "1m")))
	dyn.Insert(tree.HTTP(), "", dyn.NewNode("c"))
	var names []string
	for _, n := range tree.HTTP().Block {
		names = append(names, n.Name)
	}
	require.Equal(t, []string{"a", "upstream", "server", "b", "c"}, names)
	require.Equal(t, "x", tree.FindUpstream("x").Args[0])
}

func TestNormalizeListen(t *testing.T) {
	for in, want := range map[string]string{
		"80": "0.0.0.0:80", "*:81": "0.0.0.0:81", "localhost:82": "127.0.0.1:82",
		"10.0.0.1": "10.0.0.1:80", "[::1]:83": "[::1]:83", "unix:/tmp/s": "unix:/tmp/s",
	} {
		require.Equal(t, want, dyn.NormalizeListen(in), in)
	}
}
