package proxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/listener"
)

// serve runs a configuration behind GoNJet's HTTP/1 engine on a port from
// the OS and returns its address. Every server listens there, whatever
// its listen directives say.
func serve(t testing.TB, src string, args ...any) (string, *logs) {
	t.Helper()
	src = fmt.Sprintf(src, args...)
	if !strings.HasPrefix(strings.TrimSpace(src), "http") {
		src = "http { server { listen 80; server_name localhost;\n" + src + "\n} }"
	}
	res, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir() + "/"})
	require.NoError(t, err)
	cfg := res.Config
	for _, s := range cfg.Servers {
		s.Listens = []gateway.Listen{{Addr: "127.0.0.1:0"}}
	}
	l := &logs{}
	cfg.ErrorLog = l
	cfg.Observers = append(cfg.Observers, func(c *gateway.Ctx) {
		v, _ := c.VarByName("body_bytes_sent")
		l.mu.Lock()
		l.bodyBytes = append(l.bodyBytes, v)
		l.mu.Unlock()
	})
	g, err := gateway.New(cfg)
	require.NoError(t, err)
	t.Cleanup(g.Close)
	set := &listener.Set{}
	require.NoError(t, set.Apply(listener.Listens(cfg)))
	go set.Serve(listener.NewHTTP1(g))
	t.Cleanup(func() { set.Close() })
	for _, a := range set.Addrs() {
		return a.String(), l
	}
	t.Fatal("no listener")
	return "", nil
}

// dial connects to addr with a deadline that only guards against a hung
// test.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// upgradeBackend answers the handshake with 101 and then, for every
// message ending in "\r\nFIN", sends it back with "foo" turned into "bar".
func upgradeBackend(s *rawServer, c net.Conn) {
	br := bufio.NewReader(c)
	if _, err := s.readHead(br); err != nil {
		return
	}
	io.WriteString(c, "HTTP/1.1 101 Switching\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nhandshaked\r\n")
	var msg strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		msg.Write(buf[:n])
		if strings.HasSuffix(msg.String(), "\r\nFIN") {
			out := strings.ReplaceAll(strings.TrimSuffix(msg.String(), "FIN"), "foo", "bar")
			io.WriteString(c, out)
			msg.Reset()
		}
		if err != nil {
			return
		}
	}
}

func TestProxyUpgradesConnections(t *testing.T) {
	b := newRaw(t, upgradeBackend)
	addr, l := serve(t, `location / {
		proxy_pass http://%s;
		proxy_http_version 1.1;
		proxy_set_header Upgrade $http_upgrade;
		proxy_set_header Connection "Upgrade";
		proxy_read_timeout 5s;
	}`, b.addr())

	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nfoo\r\nFIN")
	br := bufio.NewReader(c)
	status, _ := br.ReadString('\n')
	require.True(t, strings.HasPrefix(status, "HTTP/1.1 101 "), status)
	head := ""
	for {
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
		head += line
	}
	require.Contains(t, head, "Upgrade: foo\r\n")
	line, _ := br.ReadString('\n')
	require.Equal(t, "handshaked\r\n", line)
	line, _ = br.ReadString('\n')
	require.Equal(t, "bar\r\n", line, "the bytes sent along with the request are passed")

	big := strings.Repeat("foo", 16384)
	io.WriteString(c, big+"\r\nFIN")
	line, _ = br.ReadString('\n')
	require.Equal(t, strings.Repeat("bar", 16384)+"\r\n", line)
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(c, "%s%d\r\nbazz%d\r\nFIN", big, i, i)
		line, _ = br.ReadString('\n')
		require.Equal(t, fmt.Sprintf("%s%d\r\n", strings.Repeat("bar", 16384), i), line)
		line, _ = br.ReadString('\n')
		require.Equal(t, fmt.Sprintf("bazz%d\r\n", i), line)
	}
	c.Close()
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.bodyBytes) == 1
	}, 10*time.Second, time.Millisecond, "the request is logged once the pair closes")
	// everything after the 101 header, as nginx's proxy_upgrade.t counts
	require.Equal(t, "540793", l.bodyBytes[0])
	require.NotContains(t, l.String(), "[error]")
}

func TestProxyDoesNotUpgradeWithoutClientUpgrade(t *testing.T) {
	b := newRaw(t, upgradeBackend)
	addr, _ := serve(t, `location / {
		proxy_pass http://%s;
		proxy_http_version 1.1;
		proxy_set_header Upgrade $http_upgrade;
		proxy_set_header Connection "Upgrade";
	}`, b.addr())
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n\r\n")
	got, _ := io.ReadAll(c)
	require.NotContains(t, string(got), "handshaked")
}

func TestProxyStreamsUnbufferedAnswers(t *testing.T) {
	next := make(chan struct{})
	b := newRaw(t, func(s *rawServer, c net.Conn) {
		s.readHead(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
		<-next
		io.WriteString(c, "6\r\nsecond\r\n0\r\n\r\n")
	})
	addr, _ := serve(t, `location / { proxy_pass http://%s; proxy_buffering off; }`, b.addr())
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
	}
	// the first chunk arrives while the upstream still holds the rest
	line, _ := br.ReadString('\n')
	require.Equal(t, "5\r\n", line)
	line, _ = br.ReadString('\n')
	require.Equal(t, "first\r\n", line)
	close(next)
	rest, _ := io.ReadAll(br)
	require.Equal(t, "6\r\nsecond\r\n0\r\n\r\n", string(rest))
}

func TestProxyToUnixSocket(t *testing.T) {
	path := t.TempDir() + "/backend.sock"
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	s := &rawServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				echo(s, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	g := load(t, `
		location / { proxy_pass http://unix:%[1]s; }
		location /uri/ { proxy_pass http://unix:%[1]s:/other/; }
	`, path)
	r := get(g, "/x?y", "upstream_addr", "proxy_host")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "unix:"+path, r.Vars["upstream_addr"])
	require.Equal(t, "localhost", r.Vars["proxy_host"])
	require.Equal(t, "GET /x?y HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n", s.lastRequest())
	get(g, "/uri/z")
	require.Equal(t, "GET /other/z HTTP/1.0", requestLine(s))

	l := withLog(g)
	os.Remove(path)
	r = get(g, "/uri/z")
	require.Equal(t, 502, r.Status)
	require.Contains(t, l.String(), `connect() to unix:`+path+` failed (2: No such file or directory) while connecting to upstream`)
	require.Contains(t, l.String(), `upstream: "http://unix:`+path+`:/other/z"`)
}

func TestProxyUnfinishedAnswerHasNoLastChunk(t *testing.T) {
	for name, up := range map[string]string{
		"length":     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nunfinished",
		"chunked":    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nunfinished\r\n",
		"length ok":  "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nfinished",
		"chunked ok": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nfinished\r\n0\r\n\r\n",
		"close ok":   "HTTP/1.0 200 OK\r\n\r\nfinished",
		"unbuffered": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nunfinished",
	} {
		t.Run(name, func(t *testing.T) {
			b := newRaw(t, fixed(up))
			extra := ""
			if name == "unbuffered" {
				extra = "proxy_buffering off;"
			}
			addr, _ := serve(t, `location / { proxy_pass http://%s; %s }`, b.addr(), extra)
			c := dial(t, addr)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			got, _ := io.ReadAll(c)
			s := string(got)
			if strings.HasSuffix(name, "ok") {
				require.True(t, strings.HasSuffix(s, "finished") || strings.HasSuffix(s, "finished\r\n0\r\n\r\n"), s)
				require.NotContains(t, s, "unfinished")
				return
			}
			require.Contains(t, s, "unfinished")
			require.NotContains(t, s, "\r\n0\r\n\r\n", "an unfinished answer must not look finished")
		})
	}
}
