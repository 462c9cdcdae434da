package mqttstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/broker"
)

// testBroker is a broker the tests can stop and start again at the same
// address with the same persistence directory.
type testBroker interface {
	// addr is the store's Options.Server; net/address is the dialable
	// address, for proxies.
	addr() string
	dial() (network, address string)
	stop(t *testing.T)
	start(t *testing.T)
}

// brokers returns the brokers every behaviour test runs against: the
// embedded one always, Mosquitto when installed (required in CI).
func brokers(t *testing.T) map[string]func(t *testing.T) testBroker {
	m := map[string]func(t *testing.T) testBroker{
		"embedded": newEmbedded,
	}
	m["mosquitto"] = func(t *testing.T) testBroker {
		if _, err := exec.LookPath("mosquitto"); err != nil {
			if p := "/usr/sbin/mosquitto"; fileExists(p) {
				return newMosquitto(t, p)
			}
			if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
				t.Fatal("mosquitto not found: install Debian package mosquitto")
			}
			t.Skip("install Debian package mosquitto")
		}
		p, _ := exec.LookPath("mosquitto")
		return newMosquitto(t, p)
	}
	return m
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// forEachBroker runs f as a subtest per broker.
func forEachBroker(t *testing.T, f func(t *testing.T, b testBroker)) {
	for name, mk := range brokers(t) {
		t.Run(name, func(t *testing.T) { f(t, mk(t)) })
	}
}

// embedded is the dyn/broker in-process broker on a Unix socket with
// persistence.
type embedded struct {
	dir, conf string
	b         *broker.Broker
}

func newEmbedded(t *testing.T) testBroker {
	dir := t.TempDir()
	e := &embedded{dir: dir, conf: filepath.Join(dir, "mqtt.conf")}
	require.NoError(t, os.WriteFile(e.conf, []byte("listener 0 "+filepath.Join(dir, "m.sock")+"\npersistence true\npersistence_location "+dir+"\nlog_type error\nlog_type warning\n"), 0o644))
	e.start(t)
	t.Cleanup(func() {
		if e.b != nil {
			e.b.Close()
		}
	})
	return e
}

func (e *embedded) addr() string                    { return "unix:" + filepath.Join(e.dir, "m.sock") }
func (e *embedded) dial() (network, address string) { return "unix", filepath.Join(e.dir, "m.sock") }

func (e *embedded) start(t *testing.T) {
	b, err := broker.Open(broker.Options{Prefix: e.dir, Conf: e.conf, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	require.NoError(t, err)
	e.b = b
}

func (e *embedded) stop(t *testing.T) {
	require.NoError(t, e.b.Close())
	e.b = nil
}

// mosquitto is a real Mosquitto on a loopback port with persistence.
type mosquitto struct {
	bin, dir, conf string
	port           int
	cmd            *exec.Cmd
	exited         chan struct{}
}

func newMosquitto(t *testing.T, bin string) testBroker {
	dir := t.TempDir()
	m := &mosquitto{bin: bin, dir: dir, conf: filepath.Join(dir, "mosquitto.conf"), port: freePort(t)}
	// "user" keeps a root test run from dropping to the mosquitto user,
	// which could not write the temporary persistence directory.
	u, err := user.Current()
	require.NoError(t, err)
	conf := fmt.Sprintf("user %s\nlistener %d 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nset_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\n", u.Username, m.port, dir)
	require.NoError(t, os.WriteFile(m.conf, []byte(conf), 0o644))
	m.start(t)
	t.Cleanup(func() {
		if m.cmd != nil {
			m.stop(t)
		}
	})
	return m
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (m *mosquitto) addr() string { return "mqtt://127.0.0.1:" + strconv.Itoa(m.port) }
func (m *mosquitto) dial() (network, address string) {
	return "tcp", "127.0.0.1:" + strconv.Itoa(m.port)
}

func (m *mosquitto) start(t *testing.T) {
	m.cmd = exec.Command(m.bin, "-c", m.conf)
	m.cmd.Stderr = testWriter{t}
	require.NoError(t, m.cmd.Start())
	m.exited = make(chan struct{})
	go func() { m.cmd.Wait(); close(m.exited) }()
	// Ready when the port answers (start-up, not a timing assumption).
	require.Eventually(t, func() bool {
		select {
		case <-m.exited:
			return false
		default:
		}
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(m.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "mosquitto did not start")
}

// stop ends Mosquitto with SIGTERM, which makes it save its database.
func (m *mosquitto) stop(t *testing.T) {
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// open opens a store on server with options suited to tests.
func open(t *testing.T, server, root string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, Options{
		Server:            server,
		Root:              root,
		MaxReconnectDelay: 300 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// nextEvent returns the next event on ch, failing after within.
func nextEvent(t *testing.T, ch <-chan dyn.Event, within time.Duration) dyn.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "watch channel closed")
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
		return dyn.Event{}
	}
}

func put(key, value string) dyn.Op { return dyn.Op{Key: key, Value: []byte(value)} }

func apply(t *testing.T, s *Store, ops ...dyn.Op) uint64 {
	t.Helper()
	v, err := s.Apply(context.Background(), ops...)
	require.NoError(t, err)
	return v
}

// values lists a store's entries as key=value strings.
func values(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	l, err := s.List(context.Background(), prefix)
	require.NoError(t, err)
	var out []string
	for _, e := range l {
		out = append(out, e.Key+"="+string(e.Value))
	}
	return out
}

// proxy is a TCP relay in front of a broker that the test can cut and
// restore, to simulate a network loss of one node.
type proxy struct {
	ln              net.Listener
	network, target string
	mu              sync.Mutex
	down            bool
	conns           []net.Conn
}

func newProxy(t *testing.T, network, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, network: network, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) addr() string { return "mqtt://" + p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial(p.network, p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// cut drops every relayed connection and refuses new ones.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}
