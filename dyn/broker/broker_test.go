package broker

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/require"
)

// writeConf writes an mqtt.conf into dir and returns its path.
func writeConf(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "mqtt.conf")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

// startBroker starts a broker from conf text with prefix dir; its log
// goes to the test log.
func startBroker(t *testing.T, dir, text string) *Broker {
	t.Helper()
	b, err := Open(Options{Prefix: dir, Conf: writeConf(t, dir, text), Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a paho MQTT v5 client whose received messages go to a channel.
type client struct {
	*paho.Client
	msgs chan *paho.Publish
}

func connect(t *testing.T, addr net.Addr, user string, pass []byte) (*client, error) {
	t.Helper()
	conn, err := net.Dial(addr.Network(), addr.String())
	require.NoError(t, err)
	c := &client{msgs: make(chan *paho.Publish, 100)}
	c.Client = paho.NewClient(paho.ClientConfig{
		Conn: conn,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			c.msgs <- pr.Packet
			return true, nil
		}},
	})
	cp := &paho.Connect{ClientID: "test-" + strconv.FormatInt(time.Now().UnixNano(), 36), CleanStart: true, KeepAlive: 30}
	if user != "" {
		cp.Username, cp.UsernameFlag = user, true
		cp.Password, cp.PasswordFlag = pass, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, cp); err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	return c, nil
}

func mustConnect(t *testing.T, addr net.Addr) *client {
	c, err := connect(t, addr, "", nil)
	require.NoError(t, err)
	return c
}

func (c *client) subscribe(t *testing.T, filter string) {
	t.Helper()
	_, err := c.Subscribe(context.Background(), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
	require.NoError(t, err)
}

func (c *client) publish(t *testing.T, topic, payload string, retain bool) {
	t.Helper()
	_, err := c.Publish(context.Background(), &paho.Publish{Topic: topic, QoS: 1, Retain: retain, Payload: []byte(payload)})
	require.NoError(t, err)
}

// next waits for the next message; the deadline only guards a broken
// test from hanging.
func (c *client) next(t *testing.T) *paho.Publish {
	t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

func TestBrokerUnixSocketDeliversToWildcardSubscriber(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir, "log_type error\nlistener 0 data/test.sock\n")
	require.Equal(t, "unix", b.Addrs()[0].Network())
	require.Equal(t, filepath.Join(dir, "data/test.sock"), b.Addrs()[0].String())

	sub := mustConnect(t, b.Addrs()[0])
	sub.subscribe(t, "/dyn/#")
	pub := mustConnect(t, b.Addrs()[0])
	pub.publish(t, "/dyn/x", "hello", false)
	m := sub.next(t)
	require.Equal(t, "/dyn/x", m.Topic)
	require.Equal(t, "hello", string(m.Payload))
}

func TestBrokerDefaultsListenOnPrefixDataSocket(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	b, err := Open(Options{Prefix: dir, Logger: testLogger(t)})
	require.NoError(t, err)
	defer b.Close()
	require.Equal(t, filepath.Join(dir, "data/mosquitto.sock"), b.Addrs()[0].String())
	require.FileExists(t, filepath.Join(dir, "data/broker.db"))
	mustConnect(t, b.Addrs()[0])
}

func TestBrokerTCPListenerReportsItsAddress(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir, "listener "+strconv.Itoa(freePort(t))+" 127.0.0.1\npersistence false\n")
	addr := b.Addrs()[0].(*net.TCPAddr)
	require.Equal(t, "127.0.0.1", addr.IP.String())
	sub := mustConnect(t, addr)
	sub.subscribe(t, "a/+")
	mustConnect(t, addr).publish(t, "a/b", "1", false)
	require.Equal(t, "1", string(sub.next(t).Payload))
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestBrokerRetainedMessagesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	conf := "listener 0 data/m.sock\npersistence true\npersistence_location data/\n"
	b := startBroker(t, dir, conf)
	pub := mustConnect(t, b.Addrs()[0])
	props := &paho.PublishProperties{User: paho.UserProperties{{Key: "v", Value: "7"}}}
	_, err := pub.Publish(context.Background(), &paho.Publish{Topic: "/dyn/kept", QoS: 1, Retain: true, Payload: []byte("value"), Properties: props})
	require.NoError(t, err)
	pub.publish(t, "/dyn/gone", "x", true)
	pub.publish(t, "/dyn/gone", "", true) // an empty retained message deletes
	pub.Disconnect(&paho.Disconnect{})
	require.NoError(t, b.Close())

	b = startBroker(t, dir, conf)
	sub := mustConnect(t, b.Addrs()[0])
	sub.subscribe(t, "/dyn/#")
	m := sub.next(t)
	require.Equal(t, "/dyn/kept", m.Topic)
	require.Equal(t, "value", string(m.Payload))
	require.True(t, m.Retain)
	require.Equal(t, "7", m.Properties.User.Get("v"))
	select {
	case m := <-sub.msgs:
		t.Fatalf("unexpected retained message %s", m.Topic)
	default:
	}
}

func TestBrokerWithoutPersistenceForgetsRetained(t *testing.T) {
	dir := t.TempDir()
	conf := "listener 0 m.sock\npersistence false\n"
	b := startBroker(t, dir, conf)
	mustConnect(t, b.Addrs()[0]).publish(t, "k", "v", true)
	b.Close()
	b = startBroker(t, dir, conf)
	sub := mustConnect(t, b.Addrs()[0])
	sub.subscribe(t, "#")
	pub := mustConnect(t, b.Addrs()[0])
	pub.publish(t, "after", "1", false)
	require.Equal(t, "after", sub.next(t).Topic)
}

func TestBrokerStaleSocketFileIsReplaced(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close() // leaves the file, as a crashed broker does
	require.FileExists(t, sock)
	b := startBroker(t, dir, "listener 0 s.sock\npersistence false\n")
	mustConnect(t, b.Addrs()[0])
}

func TestBrokerSecondInstanceOnSameSocketFails(t *testing.T) {
	dir := t.TempDir()
	startBroker(t, dir, "listener 0 s.sock\npersistence false\n")
	_, err := Open(Options{Prefix: dir, Conf: writeConf(t, dir, "listener 0 s.sock\npersistence false\n"), Logger: testLogger(t)})
	require.ErrorContains(t, err, "address already in use")
}

// mosquittoHash7 builds a mosquitto_passwd "$7$" (PBKDF2-SHA512) entry.
func mosquittoHash7(t *testing.T, password string) string {
	salt := []byte("0123456789ab")
	sum, err := pbkdf2.Key(sha512.New, password, salt, 101, 64)
	require.NoError(t, err)
	return "$7$101$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(sum)
}

func mosquittoHash6(password string) string {
	salt := []byte("saltsaltsalt")
	h := sha512.New()
	h.Write([]byte(password))
	h.Write(salt)
	return "$6$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestBrokerPasswordFileAdmitsOnlyKnownUsers(t *testing.T) {
	dir := t.TempDir()
	pw := "alice:" + mosquittoHash7(t, "secret") + "\nbob:" + mosquittoHash6("hunter2") + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw"), []byte(pw), 0o600))
	b := startBroker(t, dir, "listener 0 s.sock\npersistence false\nallow_anonymous false\npassword_file pw\n")
	addr := b.Addrs()[0]

	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"pbkdf2 user with right password", "alice", "secret", true},
		{"sha512 user with right password", "bob", "hunter2", true},
		{"wrong password", "alice", "nope", false},
		{"unknown user", "carol", "secret", false},
		{"anonymous", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connect(t, addr, tt.user, []byte(tt.pass))
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestBrokerAcceptsMosquittoPasswdFile(t *testing.T) {
	mp, err := exec.LookPath("mosquitto_passwd")
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
			t.Fatal("mosquitto_passwd not found: install Debian package mosquitto")
		}
		t.Skip("install Debian package mosquitto")
	}
	dir := t.TempDir()
	pwfile := filepath.Join(dir, "pw")
	out, err := exec.Command(mp, "-c", "-b", pwfile, "njet", "s3cret").CombinedOutput()
	require.NoError(t, err, string(out))
	b := startBroker(t, dir, "listener 0 s.sock\npersistence false\nallow_anonymous false\npassword_file pw\n")
	_, err = connect(t, b.Addrs()[0], "njet", []byte("s3cret"))
	require.NoError(t, err)
	_, err = connect(t, b.Addrs()[0], "njet", []byte("wrong"))
	require.Error(t, err)
}

func TestBrokerAnonymousAllowedByDefault(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir, "listener 0 s.sock\npersistence false\n")
	_, err := connect(t, b.Addrs()[0], "anyone", []byte("anything"))
	require.NoError(t, err)
}

func TestBrokerLogFileHonoursLogType(t *testing.T) {
	tests := []struct {
		name     string
		logTypes string
		notice   bool
	}{
		{"error only hides start-up notices", "log_type error\n", false},
		{"notice shows start-up notices", "log_type error\nlog_type notice\n", true},
		{"all shows start-up notices", "log_type all\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b, err := Open(Options{Prefix: dir, Conf: writeConf(t, dir, "listener 0 s.sock\npersistence false\nlog_dest file b.log\n"+tt.logTypes)})
			require.NoError(t, err)
			b.Close()
			data, err := os.ReadFile(filepath.Join(dir, "b.log"))
			require.NoError(t, err)
			require.Equal(t, tt.notice, bytes.Contains(data, []byte("Opening unix listen socket on "+filepath.Join(dir, "s.sock"))), string(data))
		})
	}
}

func TestBrokerLogsToPrefixLogsWithoutLoggerOrLogDest(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	b, err := Open(Options{Prefix: dir, Conf: writeConf(t, dir, "listener 0 s.sock\npersistence false\nlog_type notice\n")})
	require.NoError(t, err)
	b.Close()
	data, err := os.ReadFile(filepath.Join(dir, "logs/mosquitto.log"))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^\d+: Opening unix listen socket on `, string(data))
}

func TestHelperRunsUntilContextEnds(t *testing.T) {
	dir := t.TempDir()
	h := Helper{Prefix: dir, Logger: testLogger(t)}
	require.Equal(t, "broker", h.Name())
	require.True(t, h.IgnoreReload())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx, writeConf(t, dir, "listener 0 h.sock\npersistence false\n")) }()
	sock := &net.UnixAddr{Net: "unix", Name: filepath.Join(dir, "h.sock")}
	require.Eventually(t, func() bool {
		c, err := net.Dial("unix", sock.Name)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	mustConnect(t, sock)
	cancel()
	require.NoError(t, <-done)
	_, err := os.Stat(sock.Name)
	require.True(t, os.IsNotExist(err), "the socket file is removed on close")
}
