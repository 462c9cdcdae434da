package listener

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/stretchr/testify/require"
)

func TestApplyConfigSetsSocketOptions(t *testing.T) {
	port := freePort(t)
	res, err := conf.LoadString(fmt.Sprintf(`events {} http { server {
		listen 127.0.0.1:%d rcvbuf=32k sndbuf=64k deferred so_keepalive=30s:5s:3 fastopen=16;
		listen 127.0.0.2:%d;
	} }`, port, port), conf.Options{Prefix: t.TempDir() + "/"})
	require.NoError(t, err)
	require.NoError(t, res.Config.Prepare())
	var s Set
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.ApplyConfig(res.Config))
	require.Len(t, s.Addrs(), 2)
	ln := s.socks[fmt.Sprintf("127.0.0.1:%d", port)].ln
	rc, err := ln.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	get := func(level, opt int) int {
		var v int
		rc.Control(func(fd uintptr) { v, _ = syscall.GetsockoptInt(int(fd), level, opt) })
		return v
	}
	require.GreaterOrEqual(t, get(syscall.SOL_SOCKET, syscall.SO_RCVBUF), 32<<10)
	require.GreaterOrEqual(t, get(syscall.SOL_SOCKET, syscall.SO_SNDBUF), 64<<10)
	require.Equal(t, 1, get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE))
	require.Equal(t, 30, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
	require.Equal(t, 5, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL))
	require.Equal(t, 3, get(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT))
	require.NotZero(t, get(syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT))
}
