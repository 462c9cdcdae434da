package conf

import (
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// extraKey is where a built configuration keeps its Extra in Config.Ext.
const extraKey = "gateway/conf"

// Extra holds what a configuration built from njet.conf sets beyond the
// fields of gateway's types: the full options of every listen socket and
// the http{}-level settings. Protocol engines read it with ExtraOf; the
// per-location settings are read with SettingsOf.
type Extra struct {
	// HTTP holds the settings of the http{} block itself.
	HTTP HTTPMain
	// Listens holds every listen socket's merged options by key
	// (gateway.Listen.Addr; HTTP/3 sockets as "quic " + Addr), in
	// ListenOrder.
	Listens     map[string]*ListenOptions
	ListenOrder []string

	hasListen map[*gateway.Server]bool
}

func newExtra() *Extra {
	return &Extra{hasListen: map[*gateway.Server]bool{}}
}

// ExtraOf returns the Extra of a configuration built by this package, nil
// for one built by hand.
func ExtraOf(cfg *gateway.Config) *Extra {
	if cfg == nil {
		return nil
	}
	e, _ := cfg.Ext[extraKey].(*Extra)
	return e
}

// settingsKey holds a location's Settings in Location.Ext.
var settingsKey = gateway.NewExtKey()

// SettingsOf returns the merged core settings of a location (a server's
// Root for the server-level ones), nil when the location was not built
// from configuration text.
func SettingsOf(loc *gateway.Location) *Settings {
	if loc == nil {
		return nil
	}
	s, _ := loc.ExtValue(settingsKey).(*Settings)
	return s
}

// HTTPMain holds http{}-only settings. nginx sizes its hash tables with
// them; GoNJet uses Go maps and keeps them for compatibility checks.
type HTTPMain struct {
	VariablesHashMaxSize      int
	VariablesHashBucketSize   int
	ServerNamesHashMaxSize    int
	ServerNamesHashBucketSize int
}

// Bufs is a "number size" buffer setting (large_client_header_buffers,
// output_buffers).
type Bufs struct {
	Num  int
	Size int64
}

// OpenFileCache is the open_file_cache setting; Max 0 means off.
type OpenFileCache struct {
	Max      int
	Inactive time.Duration
}

// Resolver is a resolver directive: name servers ("ip:port") and options.
type Resolver struct {
	Addrs []string
	// Valid overrides the answers' TTL when not 0.
	Valid      time.Duration
	IPv4, IPv6 bool
	StatusZone string
}

// Settings is the part of nginx's core module configuration of one
// location that gateway.CoreConf and gateway.Server have no field for,
// merged from http to server to location with nginx's defaults. The
// server-level settings (client_header_*, pool sizes) are meaningful on a
// server's Root.
type Settings struct {
	// Server level.
	ClientHeaderTimeout      time.Duration
	ClientHeaderBufferSize   int64
	LargeClientHeaderBuffers Bufs
	ConnectionPoolSize       int64
	RequestPoolSize          int64
	MaxHeaders               int

	// HTTP/2 (server level). HTTP2 is the "http2" directive: on a plain
	// listen socket whose default server has it, connections that open
	// with the HTTP/2 preface are served as HTTP/2 (prior knowledge).
	HTTP2                     bool
	HTTP2MaxConcurrentStreams int
	HTTP2BodyPrereadSize      int64

	// Request body.
	ClientBodyBufferSize     int64
	ClientBodyTempPath       string
	ClientBodyTempLevels     []int
	ClientBodyInFileOnly     string // "off", "on", "clean"
	ClientBodyInSingleBuffer bool

	// Connection handling.
	// KeepaliveHeader is keepalive_timeout's second argument: when not 0
	// a "Keep-Alive: timeout=N" header is sent.
	KeepaliveHeader        time.Duration
	KeepaliveTime          time.Duration
	KeepaliveMinTimeout    time.Duration
	KeepaliveDisableMSIE6  bool
	KeepaliveDisableSafari bool
	LingeringTime          time.Duration
	LingeringTimeout       time.Duration
	SendLowat              int64
	LimitRate              *gateway.Template // nil when not set
	LimitRateAfter         *gateway.Template

	// Output.
	Sendfile                   bool
	SendfileMaxChunk           int64
	TCPNopush                  bool
	TCPNodelay                 bool
	PostponeOutput             int64
	OutputBuffers              Bufs
	SubrequestOutputBufferSize int64
	Aio                        string // "off", "on", "threads"
	AioThreadPool              string
	AioWrite                   bool
	ReadAhead                  int64
	Directio                   int64 // -1 when off
	DirectioAlignment          int64

	// Files.
	DisableSymlinks      string // "off", "on", "if_not_owner"
	DisableSymlinksFrom  *gateway.Template
	OpenFileCache        OpenFileCache
	OpenFileCacheValid   time.Duration
	OpenFileCacheMinUses int
	OpenFileCacheErrors  bool
	OpenFileCacheEvents  bool

	// Name resolution at run time (proxy_pass with variables).
	Resolver        *Resolver // nil when not set
	ResolverTimeout time.Duration

	MsieRefresh         bool
	LogSubrequest       bool
	AuthDelay           time.Duration
	TypesHashMaxSize    int
	TypesHashBucketSize int
}
