package proxy

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/upstream"
)

// target is a parsed proxy_pass URL: where requests go and what the
// request line and the Host header say about it.
type target struct {
	// url is the URL as written, for "proxy_redirect default".
	url string
	// schema is "http://".
	schema string
	// written is the host and port as the URL gives them ("u",
	// "127.0.0.1:8081", "unix:/path"): what upstream.Implicit and
	// upstream.Resolve take.
	written string
	// host is the host part alone, for matching upstream{} names.
	host string
	// portNum is the port the URL gives, 0 when none.
	portNum int
	// noPort is true when the URL gave no port.
	noPort bool
	// hostHeader and port are $proxy_host and $proxy_port.
	hostHeader string
	port       string
	// uri is the URI part ("" when the URL has none), with a '/'
	// put in front of a bare "?args".
	uri string
	// up is the upstream group: set when the configuration is applied,
	// or, for a URL computed per request, once it is looked up.
	up *upstream.Upstream
}

var errInvalidPrefix = errors.New("invalid URL prefix")

// parseTarget parses a proxy_pass URL the way nginx's ngx_parse_url does
// with a URI part allowed. The returned error text is nginx's.
func parseTarget(url string) (*target, error) {
	const schema = "http://"
	if len(url) < len(schema) || !strings.EqualFold(url[:len(schema)], schema) {
		if len(url) >= 8 && strings.EqualFold(url[:8], "https://") {
			return nil, errors.New("https protocol requires SSL support")
		}
		return nil, errInvalidPrefix
	}
	t := &target{url: url, schema: url[:len(schema)]}
	rest := url[len(schema):]

	if len(rest) >= 5 && strings.EqualFold(rest[:5], "unix:") {
		path := rest[5:]
		if i := strings.IndexByte(path, ':'); i >= 0 {
			t.uri = path[i+1:]
			path = path[:i]
		}
		if path == "" {
			return nil, errors.New("no path in the unix domain socket")
		}
		if len(path)+1 > 108 {
			return nil, errors.New("too long path in the unix domain socket")
		}
		t.written = "unix:" + path
		t.host = t.written
		t.hostHeader = "localhost"
		return t, nil
	}

	hostport := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hostport, t.uri = rest[:i], rest[i:]
		if t.uri[0] == '?' {
			t.uri = "/" + t.uri
		}
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return nil, errors.New("invalid IPv6 address")
		}
		host = hostport[:end+1]
		if tail := hostport[end+1:]; tail != "" {
			if tail[0] != ':' {
				return nil, errors.New("invalid host")
			}
			port = tail[1:]
			if !validPort(port) {
				return nil, errors.New("invalid port")
			}
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
		if !validPort(port) {
			return nil, errors.New("invalid port")
		}
	}
	if host == "" {
		return nil, errors.New("no host")
	}
	t.host = host
	t.written = hostport
	t.noPort = port == ""
	if !t.noPort {
		t.portNum, _ = strconv.Atoi(port)
	}
	if t.noPort || port == "80" {
		t.hostHeader = host
		t.port = "80"
	} else {
		t.hostHeader = host + ":" + port
		t.port = port
	}
	return t, nil
}

// validPort accepts what nginx's ngx_atoi accepts for a port: 1..65535
// in decimal digits.
func validPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n >= 1 && n <= 65535
}
