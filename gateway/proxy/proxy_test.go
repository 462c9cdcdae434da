package proxy_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProxyPassesAnswerOfCloseDelimitedBackend(t *testing.T) {
	b := newRaw(t, reply(func(head string) string {
		return "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Test: yes\r\n\r\nTEST-OK-IF-YOU-SEE-THIS"
	}))
	g := load(t, `location / { proxy_pass http://%s; }`, b.addr())
	r := get(g, "/")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "TEST-OK-IF-YOU-SEE-THIS", string(r.Body))
	require.Equal(t, "yes", r.Header.Get("X-Test"))
	require.Equal(t, "GET / HTTP/1.0\r\nHost: "+b.addr()+"\r\nConnection: close\r\n\r\n", b.lastRequest())
}
