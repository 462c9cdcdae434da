package listener

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/stretchr/testify/require"
)

// freePort returns a port nobody listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// keyHandler answers each connection with its listen key and closes it.
type keyHandler struct{}

func (keyHandler) ServeConn(c *Conn) {
	io.WriteString(c, c.Listen)
	c.Close()
}

func dialRead(t *testing.T, network, addr string) (string, error) {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestApplyKeepsSocketsThatStay(t *testing.T) {
	var s Set
	t.Cleanup(func() { s.Close() })
	a, b, c := freePort(t), freePort(t), freePort(t)
	la := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", a)}
	lb := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", b)}
	lc := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", c)}
	require.NoError(t, s.Apply([]gateway.Listen{la, lb}))
	before := s.socks[la.Addr].ln

	// a connection queued on the kept socket before the reload is served
	// after it
	queued, err := net.Dial("tcp", la.Addr)
	require.NoError(t, err)
	defer queued.Close()

	require.NoError(t, s.Apply([]gateway.Listen{la, lc}))
	require.Same(t, before, s.socks[la.Addr].ln)
	require.Len(t, s.Addrs(), 2)

	go s.Serve(keyHandler{})
	got, err := io.ReadAll(queued)
	require.NoError(t, err)
	require.Equal(t, la.Addr, string(got))
	_, err = dialRead(t, "tcp", lb.Addr)
	require.Error(t, err, "removed socket still open")
	got2, err := dialRead(t, "tcp", lc.Addr)
	require.NoError(t, err)
	require.Equal(t, lc.Addr, got2)
}

func TestApplyIsAllOrNothing(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	var s Set
	t.Cleanup(func() { s.Close() })
	keep := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	require.NoError(t, s.Apply([]gateway.Listen{keep}))

	fresh := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	taken := gateway.Listen{Addr: busy.Addr().String()}
	err = s.Apply([]gateway.Listen{keep, fresh, taken})
	require.EqualError(t, err, "bind() to "+taken.Addr+" failed (98: Address already in use)")
	var le *ListenError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "bind", le.Syscall)

	// the fresh socket was closed again, the kept one is untouched
	require.Len(t, s.Addrs(), 1)
	_, err = net.Dial("tcp", fresh.Addr)
	require.Error(t, err)
	_, ok := s.Addrs()[keep.Addr]
	require.True(t, ok)
}

func TestSpecificListenSharesTheWildcardSocket(t *testing.T) {
	port := freePort(t)
	var s Set
	t.Cleanup(func() { s.Close() })
	wild := gateway.Listen{Addr: fmt.Sprintf("0.0.0.0:%d", port)}
	local := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	require.NoError(t, s.Apply([]gateway.Listen{local, wild}))
	require.Len(t, s.Addrs(), 1, "one socket for both listens")
	go s.Serve(keyHandler{})
	got, err := dialRead(t, "tcp", local.Addr)
	require.NoError(t, err)
	require.Equal(t, local.Addr, got)
	if other := otherLocalIPv4(); other != "" {
		got, err = dialRead(t, "tcp", fmt.Sprintf("%s:%d", other, port))
		require.NoError(t, err)
		require.Equal(t, wild.Addr, got)
	}

	// "bind" asks for a socket of its own, which the wildcard then
	// conflicts with, as in nginx on Linux
	var s2 Set
	t.Cleanup(func() { s2.Close() })
	port2 := freePort(t)
	err = s2.Apply([]gateway.Listen{
		{Addr: fmt.Sprintf("127.0.0.1:%d", port2), Bind: true},
		{Addr: fmt.Sprintf("*:%d", port2)},
	})
	require.EqualError(t, err, fmt.Sprintf("bind() to 0.0.0.0:%d failed (98: Address already in use)", port2))
}

// otherLocalIPv4 is a local IPv4 address other than 127.0.0.1, or "".
func otherLocalIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}

func TestReusePortAllowsASecondSocket(t *testing.T) {
	port := freePort(t)
	l := gateway.Listen{Addr: fmt.Sprintf("127.0.0.1:%d", port), ReusePort: true, Backlog: 16}
	var s1, s2 Set
	t.Cleanup(func() { s1.Close(); s2.Close() })
	require.NoError(t, s1.Apply([]gateway.Listen{l}))
	require.NoError(t, s2.Apply([]gateway.Listen{l}))
	l.Backlog = 32 // kept, with listen() called again
	require.NoError(t, s1.Apply([]gateway.Listen{l}))
}

func TestIPv6Listen(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback")
	}
	probe.Close()
	var s Set
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Apply([]gateway.Listen{{Addr: "[::1]:0"}}))
	go s.Serve(keyHandler{})
	got, err := dialRead(t, "tcp", s.Addrs()["[::1]:0"].String())
	require.NoError(t, err)
	require.Equal(t, "[::1]:0", got)
}

func TestUnixSocketStaleFileIsReplacedAndLiveOneRefused(t *testing.T) {
	dir, err := os.MkdirTemp("", "gonjet")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")

	// a stale socket file: bound, then abandoned without unlinking
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	stale.SetUnlinkOnClose(false)
	stale.Close()
	_, err = os.Stat(path)
	require.NoError(t, err)

	var s Set
	t.Cleanup(func() { s.Close() })
	l := gateway.Listen{Addr: "unix:" + path}
	require.NoError(t, s.Apply([]gateway.Listen{l}))
	go s.Serve(keyHandler{})
	got, err := dialRead(t, "unix", path)
	require.NoError(t, err)
	require.Equal(t, l.Addr, got)

	// a socket somebody listens on is not taken over
	var s2 Set
	t.Cleanup(func() { s2.Close() })
	err = s2.Apply([]gateway.Listen{l})
	require.EqualError(t, err, "bind() to unix:"+path+" failed (98: Address already in use)")

	// removing the listen removes the file
	require.NoError(t, s.Apply(nil))
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err))
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in, want, unix, err string
	}{
		{in: "127.0.0.1:80", want: "127.0.0.1:80"},
		{in: "*:8080", want: "0.0.0.0:8080"},
		{in: "8080", want: "0.0.0.0:8080"},
		{in: "[::]:80", want: "[::]:80"},
		{in: "[::ffff:127.0.0.1]:80", want: "127.0.0.1:80"},
		{in: "unix:/run/x.sock", unix: "/run/x.sock"},
		{in: "unix:", err: "invalid listen address \"unix:\""},
		{in: "1.2.3.4:http", err: "invalid port in \"1.2.3.4:http\""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ap, unix, err := parseAddr(tc.in)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.unix, unix)
			if tc.unix == "" {
				require.Equal(t, tc.want, ap.String())
			}
		})
	}
}

func TestServeAfterCloseFails(t *testing.T) {
	var s Set
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Serve(keyHandler{}), ErrClosed)
	require.ErrorIs(t, s.Apply(nil), ErrClosed)
	require.True(t, strings.Contains(ErrClosed.Error(), "closed"))
}

func TestSettingsFollowTheConfiguration(t *testing.T) {
	res, err := conf.LoadString(`events {} http {
		client_header_buffer_size 2k;
		large_client_header_buffers 2 16k;
		server { listen 127.0.0.1:8080; server_name one; client_header_timeout 5s; keepalive_timeout 30s 20s; keepalive_time 10m;
			underscores_in_headers on; ignore_invalid_headers off; lingering_close always; lingering_time 1m; lingering_timeout 2s; }
	}`, conf.Options{Prefix: t.TempDir() + "/"})
	require.NoError(t, err)
	g, err := gateway.New(res.Config)
	require.NoError(t, err)
	defer g.Close()
	settings := GatewaySettings(g)
	st := settings("127.0.0.1:8080")
	require.Equal(t, 2048, st.ClientHeaderBufferSize)
	require.Equal(t, 2, st.LargeHeaderBuffers)
	require.Equal(t, 16384, st.LargeHeaderBufferSize)
	require.Equal(t, 5*time.Second, st.ClientHeaderTimeout)
	require.Equal(t, 20*time.Second, st.KeepaliveHeader)
	require.Equal(t, 10*time.Minute, st.KeepaliveTime)
	require.True(t, st.UnderscoresInHeaders)
	require.False(t, st.IgnoreInvalidHeaders)
	require.Equal(t, "always", st.LingeringClose)
	require.Equal(t, time.Minute, st.LingeringTime)
	require.Equal(t, 2*time.Second, st.LingeringTimeout)
	require.Equal(t, "one", st.ServerName)
	require.Same(t, st, settings("127.0.0.1:8080"), "computed once per snapshot")
	require.False(t, st.HTTP2)
	require.Equal(t, 30*time.Second, st.KeepaliveTimeout)

	// a reload applies to the next request
	res, err = conf.LoadString(`events {} http { server { listen 127.0.0.1:8080; server_name two; } }`, conf.Options{Prefix: t.TempDir() + "/"})
	require.NoError(t, err)
	require.NoError(t, g.Load(res.Config))
	st = settings("127.0.0.1:8080")
	require.Equal(t, "two", st.ServerName)
	require.Equal(t, 1024, st.ClientHeaderBufferSize)
	require.True(t, st.IgnoreInvalidHeaders)
	require.Equal(t, 75*time.Second, st.KeepaliveTimeout)

	// HTTP/2: from the listen's parameter or the default server's
	// "http2 on", with its limits
	res, err = conf.LoadString(`events {} http {
		server { listen 127.0.0.1:8080 http2; }
		server { listen 127.0.0.1:8081; http2 on; http2_max_concurrent_streams 8; http2_body_preread_size 1m; }
		server { listen 127.0.0.1:8082; }
		server { listen 127.0.0.1:8082; server_name other; http2 on; }
	}`, conf.Options{Prefix: t.TempDir() + "/"})
	require.NoError(t, err)
	require.NoError(t, g.Load(res.Config))
	require.True(t, settings("127.0.0.1:8080").HTTP2)
	st = settings("127.0.0.1:8081")
	require.True(t, st.HTTP2)
	require.Equal(t, 8, st.HTTP2MaxConcurrentStreams)
	require.Equal(t, int64(1<<20), st.HTTP2BodyPrereadSize)
	require.False(t, settings("127.0.0.1:8082").HTTP2, "only the default server decides, as in nginx")
}
