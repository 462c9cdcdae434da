package gateway_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestSubrequestOutputIsTheWriterGivenToSubrequest(t *testing.T) {
	var seen []io.Writer
	var out bytes.Buffer
	page := gateway.NewLocation(gateway.MatchPrefix, "/page")
	page.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		seen = append(seen, c.SubrequestOutput())
		c.Subrequest("/part", "", &out)
		return c.Send(200, "text/plain", out.Bytes())
	})
	part := gateway.NewLocation(gateway.MatchPrefix, "/part")
	part.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		seen = append(seen, c.SubrequestOutput())
		return c.Send(200, "text/plain", []byte("part"))
	})
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(page, part)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})

	r := gatewaytest.Get(t, g, "/page")
	require.Equal(t, "part", string(r.Body))
	require.Equal(t, []io.Writer{nil, &out}, seen)
}
