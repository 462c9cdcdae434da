package proxy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	"github.com/gonjet/gonjet/gateway/proxy"
	"github.com/gonjet/gonjet/upstream"
)

func TestHandlerBuiltInGo(t *testing.T) {
	b := newRaw(t, keepaliveBackend)
	u, err := upstream.New(context.Background(), upstream.Config{
		Name:      "backend",
		Servers:   []upstream.Server{{Addr: b.addr()}},
		Keepalive: 4,
	}, nil)
	require.NoError(t, err)
	t.Cleanup(u.Close)

	opt := proxy.DefaultOptions()
	opt.URL, opt.Upstream, opt.Location = "http://backend/v1/", u, "/api/"
	opt.HTTP11 = true
	opt.SetHeaders = []proxy.HeaderValue{{Name: "Connection", Value: gateway.StaticTemplate("")}}
	h, err := proxy.New(opt)
	require.NoError(t, err)

	loc := gateway.NewLocation(gateway.MatchPrefix, "/api/")
	loc.Content = h
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(loc)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})

	r1 := gatewaytest.Get(t, g, "/api/length1")
	r2 := gatewaytest.Get(t, g, "/api/length2")
	require.Equal(t, 200, r2.Status)
	require.Equal(t, "GET /v1/length2 HTTP/1.1\r\nHost: backend\r\n\r\n", b.lastRequest())
	require.Equal(t, r1.Header.Get("X-Connection"), r2.Header.Get("X-Connection"))

	_, err = proxy.New(proxy.Options{URL: "http://x"})
	require.Error(t, err)
}
