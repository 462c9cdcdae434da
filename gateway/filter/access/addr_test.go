package access

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCIDRFollowsNginx(t *testing.T) {
	tests := []struct {
		in      string
		want    string // CIDR.String(); "" for an error
		lowBits bool
	}{
		{"192.0.2.1", "192.0.2.1/32", false},
		{"10.0.0.0/8", "10.0.0.0/8", false},
		{"10.1.2.3/8", "10.0.0.0/8", true},
		{"0.0.0.0/0", "0.0.0.0/0", false},
		{"1.2.3.4/0", "0.0.0.0/0", true},
		{"010.001.002.003", "10.1.2.3/32", false}, // ngx_inet_addr takes leading zeros
		{"2001:db8::/32", "2001:db8::/32", false},
		{"2001:db8::1/32", "2001:db8::/32", true},
		{"::1", "::1/128", false},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1/128", false},
		{"unix:", "unix:", false},
		{"10.0.0.0/33", "", false},
		{"::/129", "", false},
		{"10.0.0.0/", "", false},
		{"10.0.0.0/-1", "", false},
		{"10.0.0", "", false},
		{"256.0.0.1", "", false},
		{"fe80::1%eth0", "", false},
		{"localhost", "", false},
		{"all", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, low, err := ParseCIDR(tt.in)
			if tt.want == "" {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, c.String())
			require.Equal(t, tt.lowBits, low)
		})
	}
}

func TestParseIPMatchesNginxInet6Parser(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for invalid
	}{
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"2001:DB8::A", "2001:db8::a"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
		{":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"}, // nginx skips one leading ':'
		{"1:2:3:4:5:6:7:8:9", ""},
		{"1::2::3", ""},
		{"12345::", ""},
		{"1:2:3:4:5:6:7:1.2.3.4", ""},
		{"g::", ""},
		{"", ""},
		{":", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ip, ok := ParseIP(tt.in)
			if tt.want == "" {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, netip.MustParseAddr(tt.want), ip)
		})
	}
}

func TestAddrStringFormatsLikeNginx(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::1", "::1"},
		{"::", "::"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{"::192.0.2.1", "::192.0.2.1"}, // IPv4-compatible, as ngx_inet6_ntop
		{"fe80::", "fe80::"},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			require.Equal(t, tt.want, Addr{IP: netip.MustParseAddr(tt.ip)}.String())
		})
	}
	require.Equal(t, "unix:", Addr{Unix: true}.String())
}

func TestParseAddrPortTakesOptionalPort(t *testing.T) {
	tests := []struct {
		in   string
		want string // Remote(); "" for invalid
	}{
		{"192.0.2.1", "192.0.2.1:"},
		{"192.0.2.1:8080", "192.0.2.1:8080"},
		{"[2001:db8::1]", "[2001:db8::1]:"},
		{"[2001:db8::1]:443", "[2001:db8::1]:443"},
		{"2001:db8::1", "[2001:db8::1]:"},
		{"192.0.2.1:0", ""},
		{"192.0.2.1:65536", ""},
		{"192.0.2.1:x", ""},
		{"[2001:db8::1]x", ""},
		{"unknown", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, ok := ParseAddrPort(tt.in)
			if tt.want == "" {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, a.Remote())
		})
	}
}

func TestParseRemoteReadsConnectionAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want Addr
	}{
		{"127.0.0.1:54321", Addr{IP: netip.MustParseAddr("127.0.0.1"), Port: 54321}},
		{"[::1]:80", Addr{IP: netip.MustParseAddr("::1"), Port: 80}},
		{"[fe80::1%eth0]:80", Addr{IP: netip.MustParseAddr("fe80::1"), Port: 80}},
		{"192.0.2.1:", Addr{IP: netip.MustParseAddr("192.0.2.1")}},
		{"192.0.2.1", Addr{IP: netip.MustParseAddr("192.0.2.1")}},
		{"::1", Addr{IP: netip.MustParseAddr("::1")}},
		{"unix:", Addr{Unix: true}},
		{"unix:/run/x.sock", Addr{Unix: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, ok := ParseRemote(tt.in)
			require.True(t, ok)
			require.Equal(t, tt.want, a)
		})
	}
	_, ok := ParseRemote("nonsense")
	require.False(t, ok)
}

func TestCIDRContainsMatchesMappedIPv4AsIPv4(t *testing.T) {
	c, _, err := ParseCIDR("192.0.2.0/24")
	require.NoError(t, err)
	require.True(t, c.Contains(Addr{IP: netip.MustParseAddr("192.0.2.7")}))
	require.True(t, c.Contains(Addr{IP: netip.MustParseAddr("::ffff:192.0.2.7")}))
	require.False(t, c.Contains(Addr{IP: netip.MustParseAddr("192.0.3.7")}))
	require.False(t, c.Contains(Addr{Unix: true}))
	u, _, _ := ParseCIDR("unix:")
	require.True(t, u.Contains(Addr{Unix: true}))
	require.False(t, u.Contains(Addr{IP: netip.MustParseAddr("192.0.2.7")}))
}
