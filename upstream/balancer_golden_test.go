package upstream

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBalancersMatchNginx replays testdata/nginx_golden.txt: the peer
// nginx chose for each key, client address or round-robin turn of the
// upstream blocks in testdata/nginx_golden.conf. Keys are the raw
// $arg_a values (still URL-escaped, as nginx hashes them).
func TestBalancersMatchNginx(t *testing.T) {
	const (
		s1 = "127.0.0.1:18081"
		s2 = "127.0.0.1:18082"
		s3 = "127.0.0.1:18083"
	)
	three := srv(s1, s2, s3)
	downMiddle := []Server{{Addr: s1}, {Addr: s2, Down: true}, {Addr: s3}}
	configs := map[string]Config{
		"rr":   {Servers: []Server{{Addr: s1, Weight: 5}, {Addr: s2}, {Addr: s3}}},
		"rr2":  {Servers: []Server{{Addr: s1, Weight: 3}, {Addr: s2, Weight: 2}, {Addr: s3, Weight: 1}}},
		"h3":   {Balancer: Hash{}, Servers: three},
		"h3w":  {Balancer: Hash{}, Servers: []Server{{Addr: s1, Weight: 1}, {Addr: s2, Weight: 2}, {Addr: s3, Weight: 3}}},
		"h3d":  {Balancer: Hash{}, Servers: downMiddle},
		"c3":   {Balancer: Hash{Consistent: true}, Servers: three},
		"c3w":  {Balancer: Hash{Consistent: true}, Servers: []Server{{Addr: s1}, {Addr: s2}, {Addr: s3, Weight: 10}}},
		"c2":   {Balancer: Hash{Consistent: true}, Servers: srv(s1, s3)},
		"c3d":  {Balancer: Hash{Consistent: true}, Servers: downMiddle},
		"ip3":  {Balancer: IPHash{}, Servers: three},
		"ip2w": {Balancer: IPHash{}, Servers: []Server{{Addr: s1, Weight: 2}, {Addr: s2}}},
		"ip3d": {Balancer: IPHash{}, Servers: downMiddle},
	}
	ups := map[string]*Upstream{}
	for name, cfg := range configs {
		cfg.Name = name
		ups[name] = mustNew(t, cfg)
	}

	f, err := os.Open("testdata/nginx_golden.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		require.Len(t, fields, 3, line)
		u := ups[fields[0]]
		require.NotNil(t, u, line)
		want, err := strconv.Atoi(fields[2])
		require.NoError(t, err)

		var ip netip.Addr
		var key string
		if strings.HasPrefix(fields[0], "ip") {
			ip = netip.MustParseAddr(fields[1])
		} else if fields[1] != "-" {
			key = fields[1]
		}
		got := pickOne(t, u, ip, key)
		require.Equal(t, "127.0.0.1:"+strconv.Itoa(18081+want), got, line)
		lines++
	}
	require.NoError(t, sc.Err())
	require.Greater(t, lines, 500)
}
