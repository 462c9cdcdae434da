package gateway

import (
	"regexp"
	"strings"
	"time"
)

// Config is one immutable snapshot of the HTTP data plane: servers with
// their locations, the variable table, and the state features keep across
// reloads. Build it (by hand or with gateway/conf), call Prepare, and hand
// it to Gateway.Load. Once loaded it must not change.
type Config struct {
	Servers []*Server
	// Vars is the variable table every template of this snapshot was
	// compiled against.
	Vars *VarTable
	// ErrorLog receives error and debug lines; nil writes to stderr.
	ErrorLog ErrorLogger
	// Ext holds feature state that must outlive a reload (upstream peer
	// state, shared zones), keyed by feature name. The builder of the next
	// snapshot reads it from the previous one.
	Ext map[string]any
	// Closers run when the snapshot is retired (after requests pinned to
	// it finish): idle upstream connections, open log files.
	Closers []func()
	// Observers run after the log phase of every request, with the
	// request's final state: test harnesses and live inspection read
	// variables there. They must not keep the Ctx.
	Observers []func(c *Ctx)

	groups    map[string]*listenGroup
	prepared  bool
	listenKey []string
}

// Listen is one "listen" directive of a server.
type Listen struct {
	// Addr is "ip:port", "[ipv6]:port", "*:port" (all addresses) or
	// "unix:/path".
	Addr string
	// DefaultServer marks the server answering names no server claims.
	DefaultServer bool
	SSL           bool
	HTTP2         bool
	ProxyProtocol bool
	ReusePort     bool
	Backlog       int
	// Bind asks for a socket of its own even when a wildcard listen on the
	// same port exists.
	Bind bool
}

// Key is the socket identity of the listen: servers with equal keys share
// one socket and are chosen among by name.
func (l Listen) Key() string { return l.Addr }

// Server is a virtual server: its listens, its names, and the server-level
// location holding the configuration every location inherits.
type Server struct {
	// Names as written in server_name: "example.com", "*.example.com",
	// "www.example.*", ".example.com", "~^(?<sub>.+)\.example\.com$", "".
	Names []string
	// Listens; empty means "*:80" (or 8000 when not root, as nginx).
	Listens []Listen
	// Root is the server{} block itself: its phases hold server-level
	// rewrites, its Core the server-level settings, its Children the
	// locations. It answers when no location matches.
	Root *Location

	// MergeSlashes, UnderscoresInHeaders and IgnoreInvalidHeaders are the
	// server-level header and URI parsing switches.
	MergeSlashes         bool
	UnderscoresInHeaders bool
	IgnoreInvalidHeaders bool

	regexNames []serverRegex
}

type serverRegex struct {
	re   *regexp.Regexp
	name string
}

// Name returns the first server name ($server_name), "" when none; a
// ".example.com" name reads "example.com", as in nginx.
func (s *Server) Name() string {
	if len(s.Names) == 0 {
		return ""
	}
	return strings.TrimPrefix(s.Names[0], ".")
}

// MatchKind says how a location matches a URI.
type MatchKind uint8

// The location kinds.
const (
	// MatchPrefix is "location /path": longest prefix wins, regexes may
	// still override it.
	MatchPrefix MatchKind = iota
	// MatchExact is "location = /path".
	MatchExact
	// MatchPrefixNoRegex is "location ^~ /path": if it is the longest
	// prefix, regexes are not checked.
	MatchPrefixNoRegex
	// MatchRegex is "location ~ re" (case-sensitive).
	MatchRegex
	// MatchRegexCaseless is "location ~* re".
	MatchRegexCaseless
	// MatchNamed is "location @name", reachable only by internal redirect.
	MatchNamed
	// MatchServer is the server{} block itself.
	MatchServer
	// MatchIf is an "if (...) { }" block inside a location: it inherits
	// from its location and replaces it while the condition holds.
	MatchIf
	// MatchLimitExcept is a limit_except block.
	MatchLimitExcept
)

// Location is a location{} block (or the server block, an if block, a
// limit_except block): how it matches, and what runs for requests it gets.
type Location struct {
	// Name is the pattern as written ("/images/", "\.php$"); a named
	// location keeps its name without the "@" ("fallback").
	Name  string
	Match MatchKind
	// Regex is the compiled pattern of regex locations.
	Regex *regexp.Regexp
	// Children are the nested locations (for a server Root: its locations).
	Children []*Location
	Parent   *Location
	Server   *Server

	// Phases holds the filters of each phase, run in order. PhaseContent
	// is not used here: see Content.
	Phases [NumPhases][]Filter
	// Content produces the response; nil falls back to the static file
	// handler installed by the builder, or 404 when none.
	Content Filter
	// HeaderFilters and BodyFilters run on every response of the location.
	HeaderFilters []HeaderFilter
	BodyFilters   []BodyFilter

	// Core holds the core module's settings for this location, already
	// merged with the enclosing levels.
	Core CoreConf

	// AutoRedirect is set by content handlers like proxy_pass: a request
	// for the location name without its trailing slash gets a 301 to it.
	AutoRedirect bool

	// LimitExcept is the limit_except block: methods not listed run its
	// access checks (and its other filters) instead of the location's.
	LimitExcept        *Location
	LimitExceptMethods []string

	// Ext holds per-location state of features, indexed by their ExtKey.
	Ext []any
	// ErrorLog receives the error-log lines of requests in this location
	// (error_log at server or location level); nil uses Config.ErrorLog.
	ErrorLog ErrorLogger

	tree *locTree
}

// ErrorPage is one error_page directive.
type ErrorPage struct {
	Codes []int
	// Override: 0 keeps the status of the original error; -1 ("=" alone)
	// takes the status the error page itself answers with; >0 sends this.
	Override int
	// URI is the target: "/path?args", "@named", or an absolute URL which
	// becomes a redirect.
	URI *Template
}

// CoreConf holds settings of nginx's core module at one level. The builder
// merges them from http to server to location so that a Location's Core is
// complete; Go callers start from DefaultCoreConf.
type CoreConf struct {
	Root  *Template
	Alias *Template
	// AliasRegex is true for alias in a regex location (alias is the whole
	// path, not a prefix replacement).
	DefaultType string
	// Types maps a lower-case file extension to a MIME type.
	Types map[string]string

	ErrorPages          []ErrorPage
	RecursiveErrorPages bool

	ClientMaxBodySize int64
	ClientBodyTimeout time.Duration
	SendTimeout       time.Duration
	KeepaliveTimeout  time.Duration
	KeepaliveRequests int
	// KeepaliveTime bounds the life of a keep-alive connection; 0 means
	// no bound.
	KeepaliveTime time.Duration
	// KeepaliveDisableMSIE6 and KeepaliveDisableSafari turn keep-alive off
	// for the browsers keepalive_disable names.
	KeepaliveDisableMSIE6  bool
	KeepaliveDisableSafari bool
	ServerTokens           string // "on", "off", "build"
	AbsoluteRedirect       bool
	ServerNameInRedirect   bool
	PortInRedirect         bool
	Internal               bool
	SatisfyAny             bool
	LogNotFound            bool
	Etag                   bool
	IfModifiedSince        string // "exact", "before", "off"
	ChunkedTransfer        bool
	MaxRanges              int // -1 unlimited
	MsiePadding            bool
	LingeringClose         string
	ResetTimedoutConn      bool
}

// DefaultCoreConf returns nginx's defaults.
func DefaultCoreConf() CoreConf {
	return CoreConf{
		DefaultType:       "text/plain",
		Types:             DefaultMimeTypes(),
		ClientMaxBodySize: 1 << 20,
		ClientBodyTimeout: 60 * time.Second,
		SendTimeout:       60 * time.Second,
		KeepaliveTimeout:  75 * time.Second,
		KeepaliveRequests: 1000,
		ServerTokens:      "on",
		AbsoluteRedirect:  true,
		PortInRedirect:    true,
		LogNotFound:       true,
		Etag:              true,
		IfModifiedSince:   "exact",
		ChunkedTransfer:   true,
		MaxRanges:         -1,
		MsiePadding:       true,
		LingeringClose:    "on",
	}
}

// DefaultMimeTypes is the table nginx ships in mime.types, used when a
// configuration has no types{} block.
func DefaultMimeTypes() map[string]string {
	return map[string]string{"html": "text/html", "htm": "text/html", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "txt": "text/plain", "js": "application/javascript", "css": "text/css", "json": "application/json"}
}

// NewLocation returns a location with default core settings, for Go
// callers building a Config by hand.
func NewLocation(match MatchKind, name string) *Location {
	return &Location{Name: name, Match: match, Core: DefaultCoreConf()}
}

// Use appends filters to a phase of the location and returns it.
func (l *Location) Use(p Phase, fs ...Filter) *Location {
	l.Phases[p] = append(l.Phases[p], fs...)
	return l
}

// Add nests locations in l and returns l.
func (l *Location) Add(children ...*Location) *Location {
	for _, c := range children {
		c.Parent = l
		c.Server = l.Server
	}
	l.Children = append(l.Children, children...)
	return l
}
