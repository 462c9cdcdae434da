package listener

import (
	"os"
	"sync/atomic"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Settings are the limits the HTTP/1 engine applies to a connection before
// the gateway sees its requests. As in nginx they come from the default
// server of the listen socket, since the virtual server is only known once
// the request header has been read.
type Settings struct {
	// ClientHeaderBufferSize is where a request header starts
	// (client_header_buffer_size, 1k). Lines that do not fit move to one of
	// LargeHeaderBuffers buffers of LargeHeaderBufferSize bytes
	// (large_client_header_buffers, 4 8k): a request line longer than a
	// large buffer is answered with 414, a longer header line or a header
	// needing more buffers with 400 "Request Header Or Cookie Too Large".
	ClientHeaderBufferSize int
	LargeHeaderBuffers     int
	LargeHeaderBufferSize  int
	// MaxHeaders bounds the number of header lines (max_headers, 1000).
	MaxHeaders int
	// ClientHeaderTimeout bounds the time to receive a request header,
	// and the wait for the first request of a connection (60s).
	ClientHeaderTimeout time.Duration
	// ClientBodyTimeout bounds each read of the request body (60s).
	ClientBodyTimeout time.Duration
	// SendTimeout bounds each write of the response (60s).
	SendTimeout time.Duration
	// KeepaliveTime is the longest a connection serves requests
	// (keepalive_time, 1h); 0 is no limit.
	KeepaliveTime time.Duration
	// KeepaliveHeader, when not 0, is announced to kept-alive clients in
	// a "Keep-Alive: timeout=N" header (keepalive_timeout's second
	// argument).
	KeepaliveHeader time.Duration
	// UnderscoresInHeaders accepts "_" in header names; otherwise such
	// names are invalid (underscores_in_headers off).
	UnderscoresInHeaders bool
	// IgnoreInvalidHeaders drops header lines with invalid names instead
	// of passing them on (ignore_invalid_headers on).
	IgnoreInvalidHeaders bool
	// ChunkedTransfer allows "Transfer-Encoding: chunked" answers to
	// HTTP/1.1 requests when the length is unknown
	// (chunked_transfer_encoding on).
	ChunkedTransfer bool
	// LingeringClose is "on", "off" or "always": whether, before closing,
	// the engine reads what the client still sends for at most
	// LingeringTime, waiting LingeringTimeout for each read, so that the
	// client gets the answer instead of a reset (30s, 5s).
	LingeringClose   string
	LingeringTime    time.Duration
	LingeringTimeout time.Duration
	// ResetTimedoutConn closes timed-out connections with a reset.
	ResetTimedoutConn bool
	// HTTP2 serves connections that open with the HTTP/2 connection
	// preface as HTTP/2 with prior knowledge (h2c), others as HTTP/1.x,
	// as nginx does on a plain socket when the listen has "http2" or its
	// default server "http2 on". HTTP2MaxConcurrentStreams
	// (http2_max_concurrent_streams, 128) bounds the streams of a
	// connection, HTTP2BodyPrereadSize (http2_body_preread_size, 64k)
	// is each stream's initial flow-control window, and an HTTP/2
	// connection without streams is closed after KeepaliveTimeout
	// (keepalive_timeout, 75s).
	HTTP2                     bool
	HTTP2MaxConcurrentStreams int
	HTTP2BodyPrereadSize      int64
	KeepaliveTimeout          time.Duration
	// ServerName is the default server's name, for error-log lines.
	ServerName string
	// ErrorLog receives the lines nginx logs about bad requests (at info
	// level); nil logs errors to stderr.
	ErrorLog gateway.ErrorLogger
}

// DefaultSettings returns nginx's defaults.
func DefaultSettings() *Settings {
	return &Settings{
		ClientHeaderBufferSize: 1024,
		LargeHeaderBuffers:     4,
		LargeHeaderBufferSize:  8192,
		MaxHeaders:             1000,
		ClientHeaderTimeout:    60 * time.Second,
		ClientBodyTimeout:      60 * time.Second,
		SendTimeout:            60 * time.Second,
		KeepaliveTime:          time.Hour,
		IgnoreInvalidHeaders:   true,
		ChunkedTransfer:        true,
		LingeringClose:         "on",
		LingeringTime:          30 * time.Second,
		LingeringTimeout:       5 * time.Second,

		HTTP2MaxConcurrentStreams: 128,
		HTTP2BodyPrereadSize:      64 << 10,
		KeepaliveTimeout:          75 * time.Second,
	}
}

var defaultSettings = DefaultSettings()

var stderrLog gateway.ErrorLogger = &gateway.WriterLogger{Out: os.Stderr, Level: gateway.LevelError}

// ServerSettings returns the settings of srv, the default server of a
// listen socket of cfg: the header parsing switches of the server and the
// settings of its server{} block, from gateway.CoreConf and, for a
// configuration built from njet.conf, from conf.SettingsOf. What neither
// holds keeps nginx's default. keepalive_time and the Keep-Alive header
// are nginx location settings; the engine applies the server's.
func ServerSettings(cfg *gateway.Config, srv *gateway.Server) *Settings {
	s := DefaultSettings()
	if cfg != nil && cfg.ErrorLog != nil {
		s.ErrorLog = cfg.ErrorLog
	}
	if srv == nil {
		return s
	}
	s.ServerName = srv.Name()
	s.UnderscoresInHeaders = srv.UnderscoresInHeaders
	s.IgnoreInvalidHeaders = srv.IgnoreInvalidHeaders
	if srv.Root == nil {
		return s
	}
	core := &srv.Root.Core
	if core.ClientBodyTimeout > 0 {
		s.ClientBodyTimeout = core.ClientBodyTimeout
	}
	if core.SendTimeout > 0 {
		s.SendTimeout = core.SendTimeout
	}
	s.ChunkedTransfer = core.ChunkedTransfer
	if core.LingeringClose != "" {
		s.LingeringClose = core.LingeringClose
	}
	s.ResetTimedoutConn = core.ResetTimedoutConn
	s.KeepaliveTimeout = core.KeepaliveTimeout
	if x := conf.SettingsOf(srv.Root); x != nil {
		s.ClientHeaderTimeout = x.ClientHeaderTimeout
		s.ClientHeaderBufferSize = int(x.ClientHeaderBufferSize)
		s.LargeHeaderBuffers = x.LargeClientHeaderBuffers.Num
		s.LargeHeaderBufferSize = int(x.LargeClientHeaderBuffers.Size)
		s.MaxHeaders = x.MaxHeaders
		s.KeepaliveTime = x.KeepaliveTime
		s.KeepaliveHeader = x.KeepaliveHeader
		s.LingeringTime = x.LingeringTime
		s.LingeringTimeout = x.LingeringTimeout
		s.HTTP2 = x.HTTP2
		s.HTTP2MaxConcurrentStreams = x.HTTP2MaxConcurrentStreams
		s.HTTP2BodyPrereadSize = x.HTTP2BodyPrereadSize
	}
	return s
}

// GatewaySettings returns a function for HTTP1.Settings that follows the
// configuration g serves: after a reload, new requests get the settings
// of the new snapshot. The settings are computed once per snapshot.
func GatewaySettings(g *gateway.Gateway) func(listenKey string) *Settings {
	var cache atomic.Pointer[settingsCache]
	return func(key string) *Settings {
		cfg := g.Config()
		sc := cache.Load()
		if sc == nil || sc.cfg != cfg {
			sc = newSettingsCache(cfg)
			cache.Store(sc)
		}
		if s, ok := sc.byKey[key]; ok {
			return s
		}
		return sc.def
	}
}

type settingsCache struct {
	cfg   *gateway.Config
	byKey map[string]*Settings
	def   *Settings
}

func newSettingsCache(cfg *gateway.Config) *settingsCache {
	sc := &settingsCache{cfg: cfg, byKey: map[string]*Settings{}}
	if cfg == nil {
		sc.def = defaultSettings
		return sc
	}
	for _, k := range cfg.ListenKeys() {
		s := ServerSettings(cfg, cfg.DefaultServer(k))
		if l, ok := cfg.ListenFor(k); ok {
			// the preface is sniffed on plain sockets; over TLS, HTTP/2
			// is chosen by ALPN
			s.HTTP2 = (s.HTTP2 || l.HTTP2) && !l.SSL
		}
		sc.byKey[k] = s
	}
	sc.def = ServerSettings(cfg, cfg.DefaultServer(""))
	return sc
}
