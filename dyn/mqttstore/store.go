package mqttstore

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/gonjet/gonjet/dyn"
)

// DefaultRoot is the topic root used when Options.Root is empty: the key
// "/dyn/http_log" is kept on the topic "gonjet/dyn/http_log".
const DefaultRoot = "gonjet"

// NoRoot as Options.Root puts keys on topics equal to the key
// ("/dyn/http_log"), OpenNJet's own topic space. Use it only on a broker
// no OpenNJet node reads: their modules would take the values for their
// own messages.
const NoRoot = "/"

// Options configures a store.
type Options struct {
	// Server is the broker address: "unix:/path/mosquitto.sock" (the form
	// of OpenNJet's broker_addr), "mqtt://host:port" or "tcp://host:port",
	// "tls://host:port" or "mqtts://host:port", or "host:port". A user
	// and password in the URL ("mqtt://user:secret@host:1883") are used
	// when Username is empty.
	Server string
	// Root is the topic prefix of the store's keys (DefaultRoot when
	// empty; NoRoot for none). Nodes that share state use the same root;
	// a cluster name makes a good one ("gonjet/cluster1").
	Root string
	// ClientID identifies the connection to the broker; it must be unique
	// among the broker's clients. Empty: "gonjet-" and a random suffix.
	ClientID string
	// Username and Password authenticate to the broker when Username is
	// set.
	Username string
	Password []byte
	// TLS configures tls:// and mqtts:// connections.
	TLS *tls.Config
	// KeepAlive is the MQTT keep-alive period (30 s, as OpenNJet's
	// iot.conf, when zero).
	KeepAlive time.Duration
	// Timeout bounds what Apply waits for (the connection, the broker's
	// acknowledgements, its own writes coming back) when the caller's
	// context has no earlier deadline, and every connection attempt. 10 s
	// when zero.
	Timeout time.Duration
	// MaxReconnectDelay caps the pause between reconnection attempts,
	// which grows from 50 ms (5 s when zero).
	MaxReconnectDelay time.Duration
	// Logger receives connection problems; nil discards them.
	Logger *slog.Logger
}

// Store is a dyn.Store kept as retained messages on an MQTT v5 broker.
// It holds a mirror of every value under its root, kept current by one
// subscription, so Get, List and Watch never wait for the network;
// Apply publishes and returns once the broker has sent the writes back.
type Store struct {
	opt         Options
	server      string // Options.Server without a password, for messages
	root        string // topic prefix of the keys
	filter      string // the subscription
	markerTopic string
	id          string // this store's writer id
	log         *slog.Logger
	hub         *dyn.Hub
	cm          *autopaho.ConnectionManager
	ctx         context.Context
	cancel      context.CancelFunc
	closedCh    chan struct{}

	wmu sync.Mutex // one local batch at a time: check and publish do not interleave

	mu      sync.Mutex
	mirror  map[string]*item
	rev     uint64       // the highest local version handed out
	cur     *paho.Client // the connection whose resync completed last
	gen     uint64       // bumped by every connection up and down
	token   string       // the resync marker awaited
	snaps   map[*paho.Client]map[string]message
	synced  bool
	syncCh  chan struct{} // closed while synced
	batches map[uint64]*batch
	seq     uint64
	closed  bool
	lastErr error
}

// item is one mirrored value: the entry as Get returns it (with the local
// version) and the write as published.
type item struct {
	entry dyn.Entry
	msg   message
}

// batch is a local Apply waiting for its writes to come back.
type batch struct {
	version    uint64 // the version published
	n          int
	staged     []staged
	superseded map[string]bool
	done       chan struct{}
	ver        uint64 // the local version on completion
}

type staged struct {
	key string
	msg message
}

// Open connects to the broker and returns once the store mirrors the
// broker's retained state under the root, or fails when ctx ends first.
// The store reconnects by itself after a broker restart or a network
// loss and then catches up with what it missed.
func Open(ctx context.Context, opt Options) (*Store, error) {
	u, err := serverURL(opt.Server)
	if err != nil {
		return nil, err
	}
	root, err := topicRoot(opt.Root)
	if err != nil {
		return nil, err
	}
	if opt.KeepAlive <= 0 {
		opt.KeepAlive = 30 * time.Second
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.MaxReconnectDelay <= 200*time.Millisecond {
		opt.MaxReconnectDelay = 5 * time.Second
	}
	if opt.Username == "" && u.User != nil {
		// "mqtt://user:password@host:1883"
		opt.Username = u.User.Username()
		if p, ok := u.User.Password(); ok {
			opt.Password = []byte(p)
		}
	}
	if opt.ClientID == "" {
		opt.ClientID = "gonjet-" + randomHex(8)
	}
	lg := opt.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		opt:         opt,
		server:      u.Redacted(),
		root:        root,
		filter:      root + "/#",
		markerTopic: root + "/.gonjet-sync/" + escapeKey(opt.ClientID),
		id:          randomHex(12),
		log:         lg.With("broker", u.Redacted()),
		hub:         dyn.NewHub(),
		closedCh:    make(chan struct{}),
		mirror:      map[string]*item{},
		snaps:       map[*paho.Client]map[string]message{},
		syncCh:      make(chan struct{}),
		batches:     map[uint64]*batch{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		TlsCfg:                        opt.TLS,
		KeepAlive:                     uint16(opt.KeepAlive / time.Second),
		CleanStartOnInitialConnection: true,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(50*time.Millisecond, opt.MaxReconnectDelay, 200*time.Millisecond, 2),
		ConnectTimeout:                opt.Timeout,
		OnConnectionUp:                func(cm *autopaho.ConnectionManager, _ *paho.Connack) { go s.resync(cm) },
		OnConnectionDown:              s.connectionDown,
		OnConnectError:                s.connectError,
		ConnectUsername:               opt.Username,
		ConnectPassword:               opt.Password,
		ClientConfig: paho.ClientConfig{
			ClientID:          opt.ClientID,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){s.received},
			OnClientError:     func(err error) { s.log.Warn("mqttstore: connection error", "error", err) },
		},
	}
	if u.Scheme == "unix" {
		path := u.Path
		cfg.AttemptConnection = func(ctx context.Context, _ autopaho.ClientConfig, _ *url.URL) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
	}
	cm, err := autopaho.NewConnection(s.ctx, cfg)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("mqttstore: %w", err)
	}
	s.cm = cm
	if err := s.waitSynced(ctx); err != nil {
		s.mu.Lock()
		last := s.lastErr
		s.mu.Unlock()
		s.Close()
		if last != nil {
			return nil, fmt.Errorf("mqttstore: broker %s: %w (last error: %v)", s.server, err, last)
		}
		return nil, fmt.Errorf("mqttstore: broker %s: %w", s.server, err)
	}
	return s, nil
}

// serverURL reads Options.Server.
func serverURL(s string) (*url.URL, error) {
	switch {
	case s == "":
		return nil, errors.New("mqttstore: no broker address")
	case strings.HasPrefix(s, "unix:"):
		p := strings.TrimPrefix(strings.TrimPrefix(s, "unix:"), "//")
		if p == "" {
			return nil, fmt.Errorf("mqttstore: bad broker address %q", s)
		}
		return &url.URL{Scheme: "unix", Path: p}, nil
	case !strings.Contains(s, "://"):
		s = "mqtt://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mqttstore: bad broker address %q: %w", s, err)
	}
	switch u.Scheme {
	case "mqtt", "tcp", "tls", "mqtts", "ssl", "ws", "wss":
	default:
		return nil, fmt.Errorf("mqttstore: unsupported broker scheme %q", u.Scheme)
	}
	return u, nil
}

// topicRoot checks Options.Root and returns the topic prefix of the keys.
func topicRoot(r string) (string, error) {
	switch r {
	case "":
		return DefaultRoot, nil
	case NoRoot:
		return "", nil
	}
	if strings.ContainsAny(r, "+#\x00") || strings.HasPrefix(r, "$") {
		return "", fmt.Errorf("mqttstore: invalid topic root %q", r)
	}
	return strings.TrimSuffix(r, "/"), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// topic returns the topic of key, checking that it has one.
func (s *Store) topic(key string) (string, error) {
	if key == "" {
		return "", errors.New("mqttstore: empty key")
	}
	if key[0] != '/' {
		return "", fmt.Errorf("mqttstore: key %q does not start with \"/\"", key)
	}
	t := s.root + escapeKey(key)
	if len(t) > maxTopic {
		return "", fmt.Errorf("mqttstore: key %.40q... too long for an MQTT topic", key)
	}
	return t, nil
}

// Get returns the mirrored entry of key.
func (s *Store) Get(_ context.Context, key string) (dyn.Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return dyn.Entry{}, false, dyn.ErrClosed
	}
	it, ok := s.mirror[key]
	if !ok {
		return dyn.Entry{}, false, nil
	}
	return copyEntry(it.entry), true, nil
}

// List returns the mirrored entries under prefix, sorted by key.
func (s *Store) List(_ context.Context, prefix string) ([]dyn.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, dyn.ErrClosed
	}
	var out []dyn.Entry
	for k, it := range s.mirror {
		if strings.HasPrefix(k, prefix) {
			out = append(out, copyEntry(it.entry))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Watch delivers the changes under prefix made after the call, by this
// store or by any other writer on the broker.
func (s *Store) Watch(ctx context.Context, prefix string) (<-chan dyn.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, dyn.ErrClosed
	}
	return s.hub.Subscribe(ctx, prefix), nil
}

// Apply checks every condition of ops against the mirror and, when all
// hold, publishes the ops as retained messages and waits until the
// broker has sent them back. It returns the local version the batch's
// entries got. See the package documentation for what "all or nothing"
// means across nodes.
func (s *Store) Apply(ctx context.Context, ops ...dyn.Op) (uint64, error) {
	topics := make([]string, len(ops))
	for i, op := range ops {
		t, err := s.topic(op.Key)
		if err != nil {
			return 0, err
		}
		topics[i] = t
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, dyn.ErrClosed
	}
	if len(ops) == 0 {
		r := s.rev
		s.mu.Unlock()
		return r, nil
	}
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.waitSynced(ctx); err != nil {
		return 0, fmt.Errorf("mqttstore: broker %s not connected: %w", s.server, err)
	}
	s.mu.Lock()
	if err := s.checkLocked(ops); err != nil {
		s.mu.Unlock()
		return 0, err
	}
	prev := make([]dyn.Op, len(ops))
	for i, op := range ops {
		prev[i] = dyn.Op{Key: op.Key}
		if it, ok := s.mirror[op.Key]; ok {
			prev[i].Value = it.entry.Value
		}
	}
	s.mu.Unlock()
	ver, sent, err := s.publishBatch(ctx, ops, topics)
	if err != nil && sent > 0 {
		s.restore(prev[:sent], topics[:sent])
	}
	return ver, err
}

// checkLocked verifies the IfVersion conditions of a batch.
func (s *Store) checkLocked(ops []dyn.Op) error {
	for _, op := range ops {
		if op.IfVersion == 0 {
			continue
		}
		it, ok := s.mirror[op.Key]
		if op.IfVersion == dyn.MustNotExist {
			if ok {
				return fmt.Errorf("%w: %s exists", dyn.ErrConflict, op.Key)
			}
			continue
		}
		if !ok || it.entry.Version != op.IfVersion {
			return fmt.Errorf("%w: %s", dyn.ErrConflict, op.Key)
		}
	}
	return nil
}

// publishBatch publishes ops and waits for them to come back. sent is
// the number of ops that may have reached the broker when it fails.
func (s *Store) publishBatch(ctx context.Context, ops []dyn.Op, topics []string) (ver uint64, sent int, err error) {
	s.mu.Lock()
	s.seq++
	seq, version := s.seq, s.rev+1
	b := &batch{version: version, n: len(ops), superseded: map[string]bool{}, done: make(chan struct{})}
	s.batches[seq] = b
	s.mu.Unlock()
	for i, op := range ops {
		resp, err := s.cm.Publish(ctx, encodePublish(topics[i], op.Value, version, s.id, seq, len(ops)))
		if err != nil {
			// The writes already taken by the broker are its state: the
			// ones back so far are applied now, the others will arrive as
			// any other writer's.
			s.mu.Lock()
			if s.batches[seq] == b {
				s.commitLocked(seq, b)
			}
			s.mu.Unlock()
			sent = i + 1
			if resp != nil && resp.ReasonCode >= 0x80 {
				sent = i // refused by the broker: not written
			}
			return 0, sent, fmt.Errorf("mqttstore: publish %s: %w", op.Key, err)
		}
	}
	select {
	case <-b.done:
		return b.ver, 0, nil
	case <-s.closedCh:
		return 0, 0, dyn.ErrClosed
	case <-ctx.Done():
		return 0, 0, fmt.Errorf("mqttstore: batch published but not yet seen back from the broker: %w", ctx.Err())
	}
}

// restore puts back the values a batch that failed half-way may have
// overwritten. It is best effort: when the broker stays unreachable the
// keys keep whatever reached it, and every node sees that same state.
func (s *Store) restore(prev []dyn.Op, topics []string) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opt.Timeout)
	defer cancel()
	if err := s.waitSynced(ctx); err == nil {
		if _, _, err = s.publishBatch(ctx, prev, topics); err == nil {
			return
		}
	}
	keys := make([]string, len(prev))
	for i, op := range prev {
		keys[i] = op.Key
	}
	s.log.Error("mqttstore: a failed batch could not be undone; these keys may hold its values", "keys", keys)
}

// waitSynced waits until the mirror is in step with the broker.
func (s *Store) waitSynced(ctx context.Context) error {
	for {
		s.mu.Lock()
		closed, synced, ch := s.closed, s.synced, s.syncCh
		s.mu.Unlock()
		switch {
		case closed:
			return dyn.ErrClosed
		case synced:
			return nil
		}
		select {
		case <-ch:
		case <-s.closedCh:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Connected reports whether the store is connected and in step with the
// broker; while it is not, Get, List and Watch serve the last state seen
// and Apply waits.
func (s *Store) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.synced
}

// Close disconnects from the broker and closes every Watch channel.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closedCh)
	s.mu.Unlock()
	if s.cm != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s.cm.Disconnect(ctx)
		cancel()
	}
	s.cancel()
	s.hub.Close()
	return nil
}

func copyEntry(e dyn.Entry) dyn.Entry {
	if e.Value != nil {
		e.Value = append([]byte{}, e.Value...)
	}
	return e
}

var _ dyn.Store = (*Store)(nil)
