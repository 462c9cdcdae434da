package gateway_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestSubrequestIncludesAnotherLocationsBody(t *testing.T) {
	outer := gateway.NewLocation(gateway.MatchPrefix, "/page")
	outer.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		var body bytes.Buffer
		body.WriteString("[")
		status, err := c.Subrequest("/part", "x=1", &body)
		require.NoError(t, err)
		require.Equal(t, 200, status)
		body.WriteString("]")
		return c.Send(200, "text/plain", body.Bytes())
	})
	part := gateway.NewLocation(gateway.MatchPrefix, "/part")
	part.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		require.True(t, c.IsSubrequest())
		require.Equal(t, "GET", c.Method)
		return c.Send(200, "text/plain", []byte("part "+c.Args))
	})
	loop := gateway.NewLocation(gateway.MatchPrefix, "/loop")
	loop.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		var body bytes.Buffer
		status, _ := c.Subrequest("/loop", "", &body)
		return c.Send(status, "text/plain", body.Bytes())
	})
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(outer, part, loop)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})

	req := gatewaytest.NewRequest("POST", "/page")
	resp := gatewaytest.Do(g, req)
	require.Equal(t, 200, resp.Status)
	require.Equal(t, "[part x=1]", string(resp.Body))

	// a subrequest including itself ends at the depth limit with 500
	resp = gatewaytest.Get(t, g, "/loop")
	require.Equal(t, 500, resp.Status)
}
