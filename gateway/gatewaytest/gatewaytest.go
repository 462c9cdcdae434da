package gatewaytest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Load builds a gateway from njet.conf text. Relative paths in the text
// resolve against a temporary prefix directory, which is also where
// "logs/" lives. The test fails on a configuration error.
func Load(t testing.TB, src string) *gateway.Gateway {
	t.Helper()
	prefix := t.TempDir() + "/"
	// logs/ is where the default access log goes, as under nginx's prefix
	if err := os.Mkdir(prefix+"logs", 0o755); err != nil {
		t.Fatalf("gatewaytest: %v", err)
	}
	res, err := conf.LoadString(src, conf.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("gatewaytest: configuration: %v", err)
	}
	return Serve(t, res.Config)
}

// Serve builds a gateway from a hand-made configuration.
func Serve(t testing.TB, cfg *gateway.Config) *gateway.Gateway {
	t.Helper()
	cfg.Observers = append(cfg.Observers, observe)
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatalf("gatewaytest: configuration: %v", err)
	}
	t.Cleanup(g.Close)
	return g
}

// Chain builds a gateway with one server whose single location "/" runs
// filters in phase p and answers 200 "ok" from its content handler when
// they let the request through.
func Chain(t testing.TB, p gateway.Phase, filters ...gateway.Filter) *gateway.Gateway {
	t.Helper()
	root := gateway.NewLocation(gateway.MatchPrefix, "/")
	root.Use(p, filters...)
	root.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		return c.Send(200, "text/plain", []byte("ok"))
	})
	srv := &gateway.Server{
		Listens: []gateway.Listen{{Addr: DefaultListen}},
		Root:    gateway.NewLocation(gateway.MatchServer, ""),
	}
	srv.Root.Add(root)
	cfg := &gateway.Config{Servers: []*gateway.Server{srv}}
	return Serve(t, cfg)
}

// DefaultListen is the listen key requests arrive on unless
// Request.Conn.Listen says otherwise: the key of "listen 80".
const DefaultListen = "0.0.0.0:80"

var connIDs struct {
	sync.Mutex
	n uint64
}

// NewRequest returns a GET-style request for target, arriving on the
// first listen socket of the configuration from 127.0.0.1. An absolute
// target ("http://example.com/x") sets Host; otherwise Host is
// "localhost". Callers may change any field before Do.
func NewRequest(method, target string) *gateway.Request {
	connIDs.Lock()
	connIDs.n++
	id := connIDs.n
	connIDs.Unlock()
	req := &gateway.Request{
		Method:        method,
		RequestURI:    target,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Body:          gateway.NoBody,
		KeepAlive:     true,
		ContentLength: 0,
		Start:         time.Now(),
		Conn: &gateway.ConnInfo{
			ID:         id,
			Requests:   1,
			RemoteAddr: "127.0.0.1:54321",
			LocalAddr:  "127.0.0.1:80",
		},
	}
	host := "localhost"
	if i := strings.Index(target, "://"); i >= 0 {
		rest := target[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			rest = rest[:j]
		}
		host = rest
	}
	req.Header.Add("Host", host)
	return req
}

// WithBody sets a request body of known length.
func WithBody(req *gateway.Request, body string) *gateway.Request {
	req.Body = strings.NewReader(body)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Length", itoa(len(body)))
	return req
}

// Response is what the gateway answered.
type Response struct {
	// Vars holds the variables named in Do, as they were when the
	// request was logged; a variable without a value is absent.
	Vars map[string]string
	// AccessLog is the request's line in nginx's "combined" format,
	// without escaping.
	AccessLog string

	Status int
	Header gateway.Header
	Body   []byte
	// Outcome is what the gateway told the engine (keep-alive, drop).
	Outcome gateway.Outcome
	// Hijacked is true when a handler took the connection over.
	Hijacked bool
}

// Do sends req through g and returns the complete answer. The request's
// Conn.Listen defaults to the first listen key of the configuration.
// vars names variables (with or without '$') to keep in Response.Vars.
func Do(g *gateway.Gateway, req *gateway.Request, vars ...string) *Response {
	if req.Conn == nil {
		req.Conn = &gateway.ConnInfo{RemoteAddr: "127.0.0.1:54321", LocalAddr: "127.0.0.1:80"}
	}
	if req.Conn.Listen == "" {
		if cfg := g.Config(); cfg != nil {
			if keys := cfg.ListenKeys(); len(keys) > 0 {
				req.Conn.Listen = keys[0]
			}
		}
	}
	w := &recorder{head: req.Method == "HEAD", vars: vars}
	pending.Store(req, w)
	defer pending.Delete(req)
	out := g.Serve(req, w)
	w.resp.Outcome = out
	w.resp.Body = w.body.Bytes()
	return &w.resp
}

// Get is Do with a GET request for target; it fails the test when the
// gateway dropped the request without an answer.
func Get(t testing.TB, g *gateway.Gateway, target string) *Response {
	t.Helper()
	r := Do(g, NewRequest("GET", target))
	if r.Status == 0 && !r.Outcome.Drop {
		t.Fatalf("gatewaytest: no answer for GET %s", target)
	}
	return r
}

// recorder is the engine side of an in-process request.
type recorder struct {
	resp Response
	body bytes.Buffer
	head bool
	vars []string
}

// pending maps requests in flight to their recorders, so that the
// configuration's observer can find where to put the final variables.
var pending sync.Map

func observe(c *gateway.Ctx) {
	v, ok := pending.Load(c.Req)
	if !ok {
		return
	}
	r := v.(*recorder)
	for _, name := range r.vars {
		name = strings.TrimPrefix(name, "$")
		if val, ok := c.VarByName(name); ok {
			if r.resp.Vars == nil {
				r.resp.Vars = map[string]string{}
			}
			r.resp.Vars[name] = val
		}
	}
	r.resp.AccessLog = expand(c, combined)
}

const combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// expand replaces $name in format with the variable's value, "-" when it
// has none, as an access log does.
func expand(c *gateway.Ctx, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '$' {
			b.WriteByte(format[i])
			continue
		}
		j := i + 1
		for j < len(format) && (format[j] == '_' || format[j] >= 'a' && format[j] <= 'z' || format[j] >= '0' && format[j] <= '9') {
			j++
		}
		if val, ok := c.VarByName(format[i+1 : j]); ok && val != "" {
			b.WriteString(val)
		} else {
			b.WriteByte('-')
		}
		i = j - 1
	}
	return b.String()
}

func (r *recorder) WriteHeader(status int, h *gateway.Header, keepAlive bool) error {
	if r.resp.Status != 0 {
		return errors.New("gatewaytest: header sent twice")
	}
	r.resp.Status = status
	r.resp.Header = h.Clone()
	return nil
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.resp.Status == 0 {
		return 0, errors.New("gatewaytest: body before header")
	}
	return r.body.Write(p)
}

func (r *recorder) Flush() error { return nil }

// Hijack hands over one end of an in-memory pipe; the other end is
// closed at once, as a client that went away.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	a, b := net.Pipe()
	b.Close()
	r.resp.Hijacked = true
	return a, bufio.NewReadWriter(bufio.NewReader(a), bufio.NewWriter(a)), nil
}

var _ io.Writer = (*recorder)(nil)

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
