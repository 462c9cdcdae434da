package splitclients_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	"github.com/gonjet/gonjet/gateway/filter/splitclients"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestMurmurHash2MatchesNginx(t *testing.T) {
	// values computed with nginx's ngx_murmur_hash2
	require.Equal(t, uint32(0), splitclients.MurmurHash2(""))
	require.Equal(t, splitclients.MurmurHash2("abc"), splitclients.MurmurHash2([]byte("abc")))
}

// nginx-tests split_clients.t: $connection 1..20 split 51.2% / 10% / rest.
func TestSplitClientsAsNginxTests(t *testing.T) {
	res, err := conf.LoadString(`
http {
    split_clients $connection $variant {
        51.2%  ".one";
        10%    ".two";
        *      ".three";
    }
    server {
        listen 80;
        location / { return 200 "index${variant}.html"; }
    }
}`, conf.Options{Prefix: os.TempDir()})
	require.NoError(t, err)
	g := gatewaytest.Serve(t, res.Config)
	count := map[string]int{}
	for i := 1; i <= 20; i++ {
		req := gatewaytest.NewRequest("GET", "/")
		req.Conn.ID = uint64(i)
		count[string(gatewaytest.Do(g, req).Body)]++
	}
	require.Equal(t, map[string]int{"index.one.html": 12, "index.two.html": 2, "index.three.html": 6}, count)
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]int{"*": 0, "0.5%": 50, "51.2%": 5120, "100%": 10000, "1.%": 100, "0.01%": 1} {
		got, err := splitclients.ParsePercent(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"%", "5", "0%", "0.001%", "1.2.3%", "-1%", "a%"} {
		_, err := splitclients.ParsePercent(in)
		require.EqualError(t, err, "invalid percent value \""+in+"\"", in)
	}
}

func TestSplitSharesOverOneHundredPercentFail(t *testing.T) {
	_, err := splitclients.New(nil, []splitclients.Part{{Percent: 6000}, {Percent: 5000}})
	require.EqualError(t, err, "percent total is greater than 100%")
}

func TestSplitConfigurationErrors(t *testing.T) {
	tests := []struct{ conf, msg string }{
		{`split_clients $a b { * x; }`, `invalid variable name "b"`},
		{`split_clients $a $b { 5 x; }`, `invalid percent value "5"`},
		{`split_clients $a $b { 60% x; 50% y; }`, "percent total is greater than 100%"},
		{`split_clients $nosuch $b { * x; }`, `unknown "nosuch" variable`},
	}
	for _, tt := range tests {
		_, err := conf.LoadString("http {\n"+tt.conf+"\n}\n", conf.Options{Prefix: os.TempDir()})
		require.Error(t, err, tt.conf)
		require.Contains(t, err.Error(), tt.msg, tt.conf)
	}
}
