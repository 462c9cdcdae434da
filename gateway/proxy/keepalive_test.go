package proxy_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// keepaliveBackend serves many requests per connection; the answer
// depends on the URI as in nginx's proxy_keepalive.t, and X-Connection
// numbers the connection.
func keepaliveBackend(s *rawServer, c net.Conn) {
	s.mu.Lock()
	n := s.conns
	s.mu.Unlock()
	br := bufio.NewReader(c)
	for {
		head, err := s.readHead(br)
		if err != nil {
			return
		}
		readBody(br, head)
		uri := strings.Fields(head)[1]
		hdr := fmt.Sprintf("HTTP/1.1 200 OK\r\nX-Connection: %d\r\n", n)
		head200 := strings.HasPrefix(head, "HEAD ")
		switch {
		case strings.Contains(uri, "length"):
			fmt.Fprintf(c, "%sContent-Length: 26\r\n\r\n", hdr)
			if !head200 {
				fmt.Fprintf(c, "TEST-OK-IF-YOU-SEE-THIS%03d", n)
			}
		case strings.Contains(uri, "empty"):
			fmt.Fprintf(c, "%sContent-Length: 0\r\n\r\n", hdr)
		case strings.Contains(uri, "304"):
			fmt.Fprintf(c, "HTTP/1.1 304 Not Modified\r\nX-Connection: %d\r\n\r\n", n)
		case strings.Contains(uri, "chunked"):
			fmt.Fprintf(c, "%sTransfer-Encoding: chunked\r\n\r\n", hdr)
			if !head200 {
				fmt.Fprintf(c, "1a\r\nTEST-OK-IF-YOU-SEE-THIS%03d\r\n0\r\n\r\n", n)
			}
		case strings.Contains(uri, "closed"):
			fmt.Fprintf(c, "%sConnection: close\r\nContent-Length: 12\r\n\r\n0123456789\r\n", hdr)
			return
		default:
			fmt.Fprintf(c, "HTTP/1.1 404 Not Found\r\nX-Connection: %d\r\nConnection: close\r\n\r\nOops\r\n", n)
			return
		}
	}
}

func TestProxyKeepsUpstreamConnectionsAlive(t *testing.T) {
	b := newRaw(t, keepaliveBackend)
	g := gatewaytest.Load(t, `http {
		upstream backend { server `+b.addr()+`; keepalive 1; }
		server {
			listen 80;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			location / { proxy_pass http://backend; }
			location /unbuffered/ { proxy_pass http://backend; proxy_buffering off; }
		}
	}`)
	l := withLog(g)
	for _, prefix := range []string{"/buffered/", "/unbuffered/"} {
		for _, kind := range []string{"length", "chunked", "empty", "304"} {
			t.Run(prefix+kind, func(t *testing.T) {
				r1 := get(g, prefix+kind+"1")
				r2 := get(g, prefix+kind+"2")
				require.NotEmpty(t, r1.Header.Get("X-Connection"))
				require.Equal(t, r1.Header.Get("X-Connection"), r2.Header.Get("X-Connection"))
				if kind == "length" || kind == "chunked" {
					require.Contains(t, string(r2.Body), "TEST-OK-IF-YOU-SEE-THIS")
				}
			})
		}
		t.Run(prefix+"head", func(t *testing.T) {
			r1 := gatewaytest.Do(g, gatewaytest.NewRequest("HEAD", prefix+"length/head1"))
			r2 := gatewaytest.Do(g, gatewaytest.NewRequest("HEAD", prefix+"length/head2"))
			require.Empty(t, r2.Body)
			require.Equal(t, r1.Header.Get("X-Connection"), r2.Header.Get("X-Connection"))
		})
		t.Run(prefix+"closed", func(t *testing.T) {
			require.Equal(t, 200, get(g, prefix+"closed1").Status)
			require.Equal(t, 200, get(g, prefix+"closed2").Status)
		})
	}
	require.NotContains(t, l.String(), "[error]")
	require.Less(t, b.connCount(), 6)
}

func TestProxyHTTP10DoesNotKeepConnections(t *testing.T) {
	b := newRaw(t, keepaliveBackend)
	g := gatewaytest.Load(t, `http {
		upstream backend { server `+b.addr()+`; keepalive 1; }
		server { listen 80; location / { proxy_pass http://backend; } }
	}`)
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, get(g, "/length").Status)
	}
	require.Equal(t, 3, b.connCount())
	require.Contains(t, b.lastRequest(), "\r\nConnection: close\r\n")
}

func TestProxyRetriesOnceWhenAKeptConnectionWasClosed(t *testing.T) {
	// every connection serves one request with keep-alive, then closes
	b := newRaw(t, func(s *rawServer, c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := s.readHead(br); err != nil {
			return
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		// wait for the next request, then drop it unanswered
		br.ReadString('\n')
	})
	g := gatewaytest.Load(t, `http {
		upstream backend { server `+b.addr()+`; keepalive 4; }
		server {
			listen 80;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			location / { proxy_pass http://backend; }
		}
	}`)
	l := withLog(g)
	r := get(g, "/1")
	require.Equal(t, 200, r.Status)
	r = get(g, "/2", "upstream_addr", "upstream_status")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "ok", string(r.Body))
	require.Equal(t, b.addr()+", "+b.addr(), r.Vars["upstream_addr"])
	require.Equal(t, "502, 200", r.Vars["upstream_status"])
	require.NotContains(t, l.String(), "[error]")
}

// closingBackend serves one request per connection with keep-alive,
// then closes the connection and reports it on closed.
func closingBackend(closed chan<- struct{}) func(*rawServer, net.Conn) {
	return func(s *rawServer, c net.Conn) {
		br := bufio.NewReader(c)
		head, err := s.readHead(br)
		if err != nil {
			return
		}
		readBody(br, head)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		c.Close()
		closed <- struct{}{}
	}
}

func TestProxyChecksKeptConnectionsBeforeSendingAPost(t *testing.T) {
	// A request nginx would not send twice must not meet a connection
	// the peer has closed: a kept connection is checked before a POST
	// goes out on it, however recently it was used. (A GET on one used a
	// moment ago skips the check and is sent again on a new connection,
	// see TestProxyRetriesOnceWhenAKeptConnectionWasClosed.)
	closed := make(chan struct{}, 4)
	b := newRaw(t, closingBackend(closed))
	g := gatewaytest.Load(t, `http {
		upstream backend { server `+b.addr()+`; keepalive 4; }
		server {
			listen 80;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			location / { proxy_pass http://backend; }
		}
	}`)
	l := withLog(g)
	require.Equal(t, 200, get(g, "/1").Status)
	<-closed // the peer's FIN is on its way over loopback
	req := gatewaytest.NewRequest("POST", "/2")
	req.Body, req.ContentLength = strings.NewReader("x"), 1
	req.Header.Add("Content-Length", "1")
	r := gatewaytest.Do(g, req, "upstream_addr", "upstream_status")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "200", r.Vars["upstream_status"])
	require.Equal(t, 2, b.connCount())
	require.NotContains(t, l.String(), "[error]")
}

func TestProxyGetSurvivesAKeptConnectionClosedWhileIdle(t *testing.T) {
	// whether the connection is checked first or the request is sent
	// again on a new one, the client gets its answer and no error is
	// logged
	closed := make(chan struct{}, 4)
	b := newRaw(t, closingBackend(closed))
	g := gatewaytest.Load(t, `http {
		upstream backend { server `+b.addr()+`; keepalive 4; }
		server {
			listen 80;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			location / { proxy_pass http://backend; }
		}
	}`)
	l := withLog(g)
	for i := 0; i < 3; i++ {
		r := get(g, "/")
		require.Equal(t, 200, r.Status)
		require.Equal(t, "ok", string(r.Body))
		<-closed
	}
	require.NotContains(t, l.String(), "[error]")
}
