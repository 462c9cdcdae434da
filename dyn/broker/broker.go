package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"go.etcd.io/bbolt"
)

// Options says where the broker finds its configuration.
type Options struct {
	// Prefix is OpenNJet's $PREFIX: relative paths (Conf, paths inside
	// mqtt.conf) and the defaults (PREFIX/data/mosquitto.sock,
	// PREFIX/data, PREFIX/logs/mosquitto.log) are taken from it. Empty:
	// the working directory.
	Prefix string
	// Conf is the mqtt.conf path; empty for none (all defaults).
	Conf string
	// Logger receives the broker's log when mqtt.conf has no log_dest;
	// nil writes it to PREFIX/logs/mosquitto.log as OpenNJet does. Either
	// way only the log types enabled by log_type pass.
	Logger *slog.Logger
}

// Broker is a running embedded MQTT broker.
type Broker struct {
	srv     *mqtt.Server
	cfg     Config
	log     *slog.Logger
	addrs   []net.Addr
	lns     []*trackedListener
	closers []io.Closer
	once    sync.Once
}

// Start reads mqtt.conf at confPath ("" for defaults; relative to the
// working directory) and starts the broker. logger is as Options.Logger.
func Start(confPath string, logger *slog.Logger) (*Broker, error) {
	return Open(Options{Conf: confPath, Logger: logger})
}

// Open reads the configuration named by opt and starts the broker.
func Open(opt Options) (*Broker, error) {
	cfg, err := LoadConfig(opt.Conf, opt.Prefix)
	if err != nil {
		return nil, err
	}
	return New(cfg, opt.Logger, inPrefix(opt.Prefix, "logs/mosquitto.log"))
}

// New starts a broker from a parsed configuration. logFile is the log file
// used when cfg has no log_dest and logger is nil.
func New(cfg Config, logger *slog.Logger, logFile string) (*Broker, error) {
	log, closers, err := openLog(cfg, logger, logFile)
	if err != nil {
		return nil, err
	}
	b := &Broker{cfg: cfg, log: log, closers: closers}
	if err := b.start(); err != nil {
		b.closeFiles()
		return nil, err
	}
	return b, nil
}

func (b *Broker) start() error {
	cfg := b.cfg
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = cfg.MaxPacketSize
	caps.MaximumQos = cfg.MaxQoS
	if cfg.MaxInflightMessages > 0 {
		caps.ReceiveMaximum = cfg.MaxInflightMessages
	}
	if !cfg.RetainAvailable {
		caps.RetainAvailable = 0
	}
	// Retained state is the dynamic configuration: a node that subscribes
	// receives every retained message at once, so the per-client queue
	// must hold far more than a chat client would need.
	caps.MaximumClientWritesPending = 1 << 16
	sys := cfg.SysInterval
	if sys <= 0 {
		sys = 1 << 30 // Mosquitto's 0 disables $SYS updates
	}
	srv := mqtt.New(&mqtt.Options{
		Capabilities:           caps,
		Logger:                 slog.New(quietFirstStart{b.log.Handler()}),
		SysTopicResendInterval: sys,
		InlineClient:           true,
	})
	b.srv = srv

	hook := &mosquittoHook{anonymous: cfg.AllowAnonymous, maxKeepalive: cfg.MaxKeepalive}
	if cfg.PasswordFile != "" {
		users, err := loadPasswordFile(cfg.PasswordFile)
		if err != nil {
			return err
		}
		hook.users = users
	}
	if err := srv.AddHook(hook, nil); err != nil {
		return err
	}
	for _, ig := range cfg.Ignored {
		b.log.Log(context.Background(), LevelNotice, "ignoring configuration option "+ig)
	}
	if cfg.Persistence {
		if err := os.MkdirAll(cfg.PersistenceLocation, 0o755); err != nil {
			return fmt.Errorf("Error: Unable to create persistence_location %s: %w", cfg.PersistenceLocation, err)
		}
		path := filepath.Join(cfg.PersistenceLocation, cfg.PersistenceFile)
		err := srv.AddHook(new(bolt.Hook), &bolt.Options{
			Path: path,
			// A second broker on the same file must fail, not wait.
			Options: &bbolt.Options{Timeout: time.Second},
		})
		if err != nil {
			return fmt.Errorf("Error: Unable to open persistence file %s: %w", path, err)
		}
	}

	var lns []net.Listener
	fail := func(err error) error {
		for _, l := range lns {
			l.Close()
		}
		srv.Close()
		return err
	}
	for i, l := range cfg.Listeners {
		ln, err := b.listen(l)
		if err != nil {
			return fail(err)
		}
		lns = append(lns, ln)
		if err := srv.AddListener(listeners.NewNet("listener"+strconv.Itoa(i), ln)); err != nil {
			return fail(err)
		}
		b.addrs = append(b.addrs, ln.Addr())
	}
	b.log.Log(context.Background(), LevelNotice, "GoNJet MQTT broker (mochi-mqtt "+mqtt.Version+") starting")
	if err := srv.Serve(); err != nil {
		return fail(err)
	}
	return nil
}

// listen opens one listener socket (TLS-wrapped when configured).
func (b *Broker) listen(l Listener) (net.Listener, error) {
	if l.Unix() {
		removeStaleSocket(l.Address)
		b.log.Log(context.Background(), LevelNotice, "Opening unix listen socket on "+l.Address+".")
	} else {
		b.log.Log(context.Background(), LevelNotice, "Opening "+l.Network()+" listen socket on port "+strconv.Itoa(l.Port)+".")
	}
	raw, err := net.Listen(l.Network(), l.Addr())
	if err != nil {
		return nil, fmt.Errorf("Error: %w", err)
	}
	ln := &trackedListener{Listener: raw}
	b.lns = append(b.lns, ln)
	if l.CertFile == "" && l.KeyFile == "" {
		return ln, nil
	}
	tc, err := listenerTLS(l)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return tls.NewListener(ln, tc), nil
}

func listenerTLS(l Listener) (*tls.Config, error) {
	if l.CertFile == "" || l.KeyFile == "" {
		return nil, errors.New("Error: Both certfile and keyfile must be provided in order to enable TLS support")
	}
	cert, err := tls.LoadX509KeyPair(l.CertFile, l.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("Error: Unable to load server certificate/key: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch l.TLSVersion {
	case "tlsv1.1":
		tc.MinVersion = tls.VersionTLS11
	case "tlsv1.3":
		tc.MinVersion = tls.VersionTLS13
	}
	if l.CAFile != "" {
		pem, err := os.ReadFile(l.CAFile)
		if err != nil {
			return nil, fmt.Errorf("Error: Unable to load CA certificates: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("Error: Unable to load CA certificates from %s", l.CAFile)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	}
	if l.RequireCertificate {
		if tc.ClientCAs == nil {
			return nil, errors.New("Error: require_certificate needs cafile")
		}
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// removeStaleSocket deletes a Unix socket file left by a broker that did
// not shut down, so the new one can bind; a socket someone still answers
// on is left alone (the bind then fails with "address already in use").
func removeStaleSocket(path string) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSocket == 0 {
		return
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return
	}
	os.Remove(path)
}

// Addrs returns the addresses the broker listens on, in mqtt.conf order:
// *net.TCPAddr (with the real port) or *net.UnixAddr.
func (b *Broker) Addrs() []net.Addr { return b.addrs }

// Config returns the configuration the broker runs with.
func (b *Broker) Config() Config { return b.cfg }

// Server returns the underlying mochi-mqtt server, for hooks or in-process
// publishing (its inline client is enabled).
func (b *Broker) Server() *mqtt.Server { return b.srv }

// Close disconnects every client, closes the listeners and flushes the
// persistence file. It is safe to call more than once.
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.log.Log(context.Background(), LevelNotice, "GoNJet MQTT broker terminating")
		for _, l := range b.lns {
			l.stop()
		}
		b.srv.Close()
		b.closeFiles()
	})
	return nil
}

func (b *Broker) closeFiles() {
	for _, c := range b.closers {
		c.Close()
	}
	b.closers = nil
}

// Helper is the "helper broker" copilot of njet.conf: the njet command
// runs it for
//
//	helper broker modules/njt_helper_broker_module.so conf/mqtt.conf;
//
// ignoring the module path.
type Helper struct {
	// Prefix and Logger are as in Options.
	Prefix string
	Logger *slog.Logger
}

// Name is the helper's tag in njet.conf.
func (Helper) Name() string { return "broker" }

// IgnoreReload reports that a reload keeps the broker running, as
// OpenNJet's broker copilot does: clients stay connected and retained
// state stays in memory.
func (Helper) IgnoreReload() bool { return true }

// Run starts the broker with mqtt.conf at confPath ("" for defaults) and
// serves until ctx ends.
func (h Helper) Run(ctx context.Context, confPath string) error {
	b, err := Open(Options{Prefix: h.Prefix, Conf: confPath, Logger: h.Logger})
	if err != nil {
		return err
	}
	<-ctx.Done()
	return b.Close()
}

// mosquittoHook applies Mosquitto's access and keep-alive rules: a client
// without a user name is anonymous; a client with one must match the
// password file when there is one. Without an ACL file every admitted
// client may use every topic.
type mosquittoHook struct {
	mqtt.HookBase
	anonymous    bool
	users        map[string]passwordHash // nil: no password file
	maxKeepalive uint16
}

func (h *mosquittoHook) ID() string { return "mosquitto-rules" }

func (h *mosquittoHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck || b == mqtt.OnConnect
}

func (h *mosquittoHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	user := string(pk.Connect.Username)
	if !pk.Connect.UsernameFlag || user == "" || h.users == nil {
		// Without a password file Mosquitto admits any user name exactly
		// when it admits anonymous clients.
		return h.anonymous
	}
	ph, ok := h.users[user]
	return ok && ph.check(pk.Connect.Password)
}

func (h *mosquittoHook) OnACLCheck(*mqtt.Client, string, bool) bool { return true }

// OnConnect lowers a client's keep-alive to max_keepalive, telling an MQTT
// v5 client through the Server Keep Alive property.
func (h *mosquittoHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if h.maxKeepalive > 0 && (cl.State.Keepalive == 0 || cl.State.Keepalive > h.maxKeepalive) {
		cl.State.Keepalive = h.maxKeepalive
		cl.State.ServerKeepalive = true
	}
	return nil
}

// trackedListener lets Close wait until every accepted connection has
// been taken up by the server before the server shuts down: mochi-mqtt
// registers a connection in a WaitGroup that its Close waits on, and a
// connection accepted during Close would race with that wait.
type trackedListener struct {
	net.Listener
	mu      sync.Mutex
	closed  bool
	pending sync.WaitGroup // accepted, not yet read from
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	l.pending.Add(1)
	return &trackedConn{Conn: c, done: l.pending.Done}, nil
}

// stop closes the socket and waits (a little) for the connections
// already accepted to reach the server.
func (l *trackedListener) stop() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.Listener.Close()
	done := make(chan struct{})
	go func() { l.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

type trackedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *trackedConn) Read(p []byte) (int, error) {
	c.once.Do(c.done)
	return c.Conn.Read(p)
}

func (c *trackedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}
