package splitclients_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestSplitClients2PicksByShare(t *testing.T) {
	for _, tt := range []struct {
		share string
		want  map[string]bool
	}{
		{"100%", map[string]bool{"one": true}},
		{"0%", map[string]bool{"two": true}},
		{"50%", map[string]bool{"one": true, "two": true}},
	} {
		g := gatewaytest.Load(t, `http { split_clients_2 $pick { `+tt.share+` one; * two; }
			server { listen 80; location / { return 200 $pick; } } }`)
		seen := map[string]bool{}
		for i := 0; i < 200; i++ {
			seen[string(gatewaytest.Get(t, g, "/").Body)] = true
		}
		require.Equal(t, tt.want, seen, tt.share)
	}
}

func TestSplitClients2ConfigErrors(t *testing.T) {
	tests := []struct{ block, want string }{
		{`split_clients_2 $v { 10% a; 20% b; * c; }`, "split clients 2 should be configured with 2 groups, check if there are more than 2 lines"},
		{`split_clients_2 $v { * a; 10% b; }`, "split clients 2 should be configured with 2 groups only, and second line should be started with * "},
		{`split_clients_2 $v { 10.5% a; * b; }`, `percentage should be an integer, invalid percent value "10.5%", `},
		{`split_clients_2 $v { 10% a b; * c; }`, "split_clients_2 config error, semicolon is missing"},
		{`split_clients_2 $v { 101% a; * c; }`, "percent total is greater than 100%"},
		{`split_clients_2 v { 10% a; * c; }`, `invalid variable name "v"`},
	}
	for _, tt := range tests {
		_, err := conf.LoadString(`http { `+tt.block+` }`, conf.Options{Prefix: t.TempDir()})
		require.Error(t, err, tt.block)
		require.True(t, strings.HasPrefix(err.Error(), tt.want), "%s: %v", tt.block, err)
	}
}
