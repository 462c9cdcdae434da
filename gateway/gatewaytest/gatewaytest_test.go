package gatewaytest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"

	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
)

// denySecret is the kind of filter a user writes: it refuses one path.
var denySecret = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
	if strings.HasPrefix(c.URI, "/secret") {
		return gateway.Status(403)
	}
	return gateway.Continue
})

func TestChainRunsAFilterWithoutSockets(t *testing.T) {
	g := gatewaytest.Chain(t, gateway.PhaseAccess, denySecret)

	resp := gatewaytest.Get(t, g, "/secret/plans")
	require.Equal(t, 403, resp.Status)
	require.Contains(t, string(resp.Body), "<title>403 Forbidden</title>")

	resp = gatewaytest.Get(t, g, "/public")
	require.Equal(t, 200, resp.Status)
	require.Equal(t, "ok", string(resp.Body))
}

func TestLoadServesAConfigAndShowsVariablesAndLog(t *testing.T) {
	g := gatewaytest.Load(t, `
		http {
			server {
				listen 80;
				server_name example.com;
				location /hello {
					set $greeting "hello $arg_name";
					return 200 $greeting;
				}
				location / { return 404; }
			}
		}`)

	req := gatewaytest.NewRequest("GET", "/hello?name=njet")
	req.Header.Set("User-Agent", "test/1")
	resp := gatewaytest.Do(g, req, "greeting", "$server_name", "status")
	require.Equal(t, 200, resp.Status)
	require.Equal(t, "hello njet", string(resp.Body))
	require.Equal(t, "hello njet", resp.Vars["greeting"])
	require.Equal(t, "example.com", resp.Vars["server_name"])
	require.Equal(t, "200", resp.Vars["status"])
	require.Regexp(t, `^127\.0\.0\.1 - - \[.+\] "GET /hello\?name=njet HTTP/1\.1" 200 10 "-" "test/1"$`, resp.AccessLog)

	resp = gatewaytest.Get(t, g, "/other")
	require.Equal(t, 404, resp.Status)
}
