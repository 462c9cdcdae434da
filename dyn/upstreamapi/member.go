package upstreamapi

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Server is one member of an upstream group as the API shows and takes
// it (OpenNJet's NjetHTTPUpstreamConfServer).
type Server struct {
	// ID identifies the member within its group; IDs are given in order
	// and never reused.
	ID int `json:"id"`
	// Server is the address, "ip:port" (port 80 when omitted).
	Server string `json:"server"`
	// Weight is the share of requests relative to the other members.
	Weight int `json:"weight"`
	// MaxConns limits requests in flight to the member; 0 is unlimited.
	MaxConns int `json:"max_conns"`
	// MaxFails failures within FailTimeout make the member unavailable
	// for FailTimeout; 0 switches failure accounting off.
	MaxFails int `json:"max_fails"`
	// FailTimeout and SlowStart are nginx times ("10s").
	FailTimeout string `json:"fail_timeout"`
	SlowStart   string `json:"slow_start"`
	// Route is the sticky route of the member (at most 32 characters).
	Route string `json:"route"`
	// Backup members only get requests when every primary one is
	// unavailable; it can be set only when the member is added.
	Backup bool `json:"backup"`
	// Down takes the member out of rotation.
	Down bool `json:"down"`
}

// member is a Server as kept in the store, with what the API does not
// show.
type member struct {
	ID          int    `json:"id"`
	Server      string `json:"server"`
	Weight      int    `json:"weight"`
	MaxConns    int    `json:"max_conns"`
	MaxFails    int    `json:"max_fails"`
	FailTimeout int64  `json:"fail_timeout"` // seconds
	SlowStart   int64  `json:"slow_start"`   // seconds
	Route       string `json:"route,omitempty"`
	Backup      bool   `json:"backup,omitempty"`
	Down        bool   `json:"down,omitempty"`
	// ImplicitWeight marks a member added without a weight: OpenNJet
	// reports 100 for it, while it balances as weight 1.
	ImplicitWeight bool `json:"implicit_weight,omitempty"`
	// Extra keeps parameters of a static server line this package does
	// not model ("resolve", "service=..."), so they survive an edit.
	Extra []string `json:"extra,omitempty"`
}

// group is the stored state of one upstream: its members, in order, and
// the next ID to give.
type group struct {
	Next    int      `json:"next"`
	Servers []member `json:"servers"`
}

const (
	defaultMaxFails    = 1
	defaultFailTimeout = 10 // seconds
	// implicitWeight is the weight OpenNJet reports for a member added
	// without one.
	implicitWeight = 100
	maxRoute       = 32
)

// placeholder keeps an upstream whose members were all removed (or are
// all backups) buildable: the upstream block needs a primary server, and
// a down one answers every request with 502 as an empty group does.
const placeholder = "127.0.0.255:1"

func (m member) view() Server {
	return Server{
		ID: m.ID, Server: m.Server, Weight: m.Weight, MaxConns: m.MaxConns, MaxFails: m.MaxFails,
		FailTimeout: seconds(m.FailTimeout), SlowStart: seconds(m.SlowStart), Route: m.Route,
		Backup: m.Backup, Down: m.Down,
	}
}

func seconds(s int64) string { return strconv.FormatInt(s, 10) + "s" }

// directive is the njet.conf server line of the member.
func (m member) directive() *conf.Node {
	args := []string{m.Server}
	w := m.Weight
	if m.ImplicitWeight {
		w = 1
	}
	if w != 1 {
		args = append(args, "weight="+strconv.Itoa(w))
	}
	if m.MaxConns > 0 {
		args = append(args, "max_conns="+strconv.Itoa(m.MaxConns))
	}
	if m.MaxFails != defaultMaxFails {
		args = append(args, "max_fails="+strconv.Itoa(m.MaxFails))
	}
	if m.FailTimeout != defaultFailTimeout {
		args = append(args, "fail_timeout="+seconds(m.FailTimeout))
	}
	if m.Backup {
		args = append(args, "backup")
	}
	if m.Down {
		args = append(args, "down")
	}
	args = append(args, m.Extra...)
	return dyn.NewNode("server", args...)
}

// fromDirective reads a static server line.
func fromDirective(id int, n *conf.Node) member {
	m := member{ID: id, Weight: 1, MaxFails: defaultMaxFails, FailTimeout: defaultFailTimeout}
	if len(n.Args) > 0 {
		m.Server = n.Args[0]
	}
	for _, a := range n.Args[min(1, len(n.Args)):] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "weight":
			m.Weight, _ = strconv.Atoi(v)
		case "max_conns":
			m.MaxConns, _ = strconv.Atoi(v)
		case "max_fails":
			m.MaxFails, _ = strconv.Atoi(v)
		case "fail_timeout":
			if d, err := conf.ParseSeconds(v); err == nil {
				m.FailTimeout = int64(d / time.Second)
			}
		case "slow_start":
			if d, err := conf.ParseSeconds(v); err == nil {
				m.SlowStart = int64(d / time.Second)
			}
		case "route":
			m.Route = v
		case "backup":
			m.Backup = true
		case "down":
			m.Down = true
		default:
			m.Extra = append(m.Extra, a)
		}
	}
	return m
}

// normalizeAddr adds port 80 to an address without one and tells whether
// the host is a literal IP address (or a unix socket).
func normalizeAddr(s string) (addr string, literal bool, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "unix:") {
		return s, true, nil
	}
	host, port, serr := net.SplitHostPort(s)
	if serr != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), "80"
	}
	if host == "" {
		return "", false, fmt.Errorf("no host")
	}
	if p, perr := strconv.Atoi(port); perr != nil || p < 1 || p > 65535 {
		return "", false, fmt.Errorf("invalid port")
	}
	return net.JoinHostPort(host, port), net.ParseIP(host) != nil, nil
}
