package broker

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Config is the content of an mqtt.conf file: the subset of Mosquitto's
// configuration that the embedded broker honours. Paths are absolute once
// LoadConfig has resolved them against the prefix.
type Config struct {
	// Listeners are the sockets the broker accepts clients on. With none
	// configured the broker listens on the Unix socket
	// PREFIX/data/mosquitto.sock, OpenNJet's default.
	Listeners []Listener

	// LogDest lists the log destinations ("stdout", "stderr", "syslog",
	// "none", "file /path"). Empty: the Logger given to Open, or else the
	// file PREFIX/logs/mosquitto.log.
	LogDest []LogDest
	// LogTypes lists the enabled log types ("debug", "error", "warning",
	// "notice", "information", "all", "none"). Only these types are
	// written; OpenNJet's default is "error" alone.
	LogTypes []string

	// AllowAnonymous admits clients that send no user name. true unless
	// configured otherwise (OpenNJet's setting; Mosquitto 2 defaults to
	// false).
	AllowAnonymous bool
	// PasswordFile is a Mosquitto password file (mosquitto_passwd), or "".
	PasswordFile string

	// Persistence keeps retained messages, sessions and subscriptions on
	// disk so they survive a restart. On by default.
	Persistence bool
	// PersistenceLocation is the directory of the database file,
	// PREFIX/data by default.
	PersistenceLocation string
	// PersistenceFile is the database file name inside PersistenceLocation.
	// The default is "broker.db", not Mosquitto's "mosquitto.db": the file
	// is a bbolt database that Mosquitto could not read, and a Mosquitto
	// database left in the data directory must not be mistaken for it.
	PersistenceFile string

	// MaxPacketSize rejects larger packets (0: no limit).
	MaxPacketSize uint32
	// MaxKeepalive caps the keep-alive interval clients may ask for, in
	// seconds (0: Mosquitto's 65535).
	MaxKeepalive uint16
	// MaxInflightMessages is the receive maximum announced to clients
	// (0: the library default).
	MaxInflightMessages uint16
	// MaxQoS is the highest QoS the broker grants (2 by default).
	MaxQoS byte
	// RetainAvailable, true by default, lets clients retain messages.
	RetainAvailable bool
	// SysInterval is the period of the $SYS topic updates in seconds
	// (Mosquitto's default: 10).
	SysInterval int64

	// Ignored lists the Mosquitto options that were accepted but have no
	// effect here (each as "key:line"), so the caller can log them.
	Ignored []string
}

// Listener is one "listener" block of mqtt.conf.
type Listener struct {
	// Port is the TCP port; 0 means a Unix socket at Address.
	Port int
	// Address is the bind address (all addresses when empty) or, with
	// port 0, the Unix socket path.
	Address string
	// SocketDomain restricts a TCP listener to "ipv4" or "ipv6".
	SocketDomain string
	// CertFile and KeyFile enable TLS on the listener; CAFile holds the CA
	// certificates client certificates are checked against, and
	// RequireCertificate makes a client certificate mandatory.
	CertFile, KeyFile, CAFile string
	RequireCertificate        bool
	// TLSVersion is the minimum TLS version ("tlsv1.2", "tlsv1.3").
	TLSVersion string
}

// Unix reports whether the listener is a Unix-domain socket.
func (l Listener) Unix() bool { return l.Port == 0 }

// Network returns the net.Listen network of the listener.
func (l Listener) Network() string {
	switch {
	case l.Unix():
		return "unix"
	case l.SocketDomain == "ipv4":
		return "tcp4"
	case l.SocketDomain == "ipv6":
		return "tcp6"
	}
	return "tcp"
}

// Addr returns the net.Listen address of the listener.
func (l Listener) Addr() string {
	if l.Unix() {
		return l.Address
	}
	return netJoin(l.Address, l.Port)
}

// LogDest is one "log_dest" line: Type is "stdout", "stderr", "syslog",
// "topic", "none" or "file" (then Path is the file).
type LogDest struct {
	Type string
	Path string
}

// ConfigError is a fault in mqtt.conf, reported the way Mosquitto does:
// the message, then where it was found.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("Error: %s.", e.Msg)
	}
	return fmt.Sprintf("Error: %s. Error found at %s:%d.", e.Msg, e.File, e.Line)
}

// DefaultConfig returns the configuration used when there is no mqtt.conf
// (OpenNJet's rpm and deb packages start the broker without one).
func DefaultConfig(prefix string) Config {
	return Config{
		LogTypes:            []string{"error"},
		AllowAnonymous:      true,
		Persistence:         true,
		PersistenceLocation: inPrefix(prefix, "data"),
		PersistenceFile:     "broker.db",
		MaxQoS:              2,
		RetainAvailable:     true,
		SysInterval:         10,
	}
}

// LoadConfig reads mqtt.conf at path ("" for none) and fills in OpenNJet's
// defaults. Relative paths, in the file and path itself, are taken from
// prefix, as every path in njet.conf is.
func LoadConfig(path, prefix string) (Config, error) {
	cfg := DefaultConfig(prefix)
	if path != "" {
		p := &parser{cfg: &cfg, prefix: prefix, seen: map[string]bool{}, cur: -1, def: -1}
		if err := p.file(inPrefix(prefix, path), 0); err != nil {
			return Config{}, err
		}
		if p.logTypes != nil {
			cfg.LogTypes = p.logTypes
		}
	}
	if len(cfg.Listeners) == 0 {
		cfg.Listeners = []Listener{{Address: inPrefix(prefix, "data/mosquitto.sock")}}
	}
	return cfg, nil
}

type parser struct {
	cfg      *Config
	prefix   string
	logTypes []string        // nil until the first log_type line replaces the default
	cur      int             // index of the listener per-listener options apply to, -1 before any
	def      int             // index of the default listener ("port", "bind_address"), -1 before any
	seen     map[string]bool // files read, to stop include_dir loops
	fname    string
	line     int
}

// ignoredKeys are Mosquitto options that are accepted and have no effect:
// tuning or features this broker does without, none of which would widen
// access if ignored.
var ignoredKeys = map[string]bool{
	"autosave_interval": true, "autosave_on_changes": true, "allow_duplicate_messages": true,
	"allow_zero_length_clientid": true, "auto_id_prefix": true, "check_retain_source": true,
	"ciphers": true, "ciphers_tls1.3": true, "connection_messages": true, "log_facility": true,
	"log_timestamp": true, "log_timestamp_format": true, "max_connections": true,
	"max_inflight_bytes": true, "max_queued_bytes": true, "max_queued_messages": true,
	"memory_limit": true, "message_size_limit": true, "persistent_client_expiration": true,
	"pid_file": true, "queue_qos0_messages": true, "set_tcp_nodelay": true, "upgrade_outgoing_qos": true,
	"user": true, "websockets_log_level": true, "websockets_headers_size": true, "http_dir": true,
	"bind_interface": true, "max_topic_alias": true, "per_listener_settings": true,
	"retry_interval": true, "store_clean_interval": true,
}

// unsupportedKeys are Mosquitto options that restrict access or change
// delivery; silently ignoring them would make the broker more open or
// behave differently than configured, so they are refused.
var unsupportedKeys = map[string]bool{
	"acl_file": true, "auth_plugin": true, "plugin": true, "psk_file": true, "psk_hint": true,
	"use_identity_as_username": true, "use_subject_as_username": true, "use_username_as_clientid": true,
	"mount_point": true, "crlfile": true, "capath": true, "dhparamfile": true, "clientid_prefixes": true,
	"connection": true, "address": true, "topic": true, "tls_engine": true, "tls_keyform": true,
	"tls_engine_kpass_sha1": true,
}

func (p *parser) errf(format string, a ...any) error {
	return &ConfigError{File: p.fname, Line: p.line, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) file(path string, depth int) error {
	abs, _ := filepath.Abs(path)
	if p.seen[abs] || depth > 16 {
		return &ConfigError{File: p.fname, Line: p.line, Msg: fmt.Sprintf("Recursive include of %s", path)}
	}
	p.seen[abs] = true
	f, err := os.Open(path)
	if err != nil {
		return &ConfigError{Msg: fmt.Sprintf("Unable to open config file %s", path)}
	}
	defer f.Close()
	outerFile, outerLine := p.fname, p.line
	defer func() { p.fname, p.line = outerFile, outerLine }()
	p.fname, p.line = path, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		p.line++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if err := p.directive(line, depth); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return p.errf("%v", err)
	}
	return nil
}

func (p *parser) directive(line string, depth int) error {
	key, rest, _ := strings.Cut(line, " ")
	if k, r, ok := strings.Cut(line, "\t"); ok && len(k) < len(key) {
		key, rest = k, r
	}
	rest = strings.TrimSpace(rest)
	args := strings.Fields(rest)
	needArg := func() (string, error) {
		if rest == "" {
			return "", p.errf("Empty %s value in configuration", key)
		}
		return rest, nil
	}
	switch key {
	case "listener":
		if len(args) == 0 {
			return p.errf("Empty listener value in configuration")
		}
		port, err := strconv.Atoi(args[0])
		if err != nil || port < 0 || port > 65535 {
			return p.errf("Invalid port value (%s)", args[0])
		}
		l := Listener{Port: port}
		if len(args) > 1 {
			l.Address = args[1]
		}
		if port == 0 {
			if l.Address == "" {
				return p.errf("A listener with port 0 must provide a Unix socket path")
			}
			l.Address = inPrefix(p.prefix, l.Address)
		}
		for _, o := range p.cfg.Listeners {
			if o.Port == l.Port && o.Address == l.Address {
				return p.errf("Duplicate listener %s", args[0])
			}
		}
		p.cfg.Listeners = append(p.cfg.Listeners, l)
		p.cur = len(p.cfg.Listeners) - 1
	case "port", "bind_address":
		// The deprecated default listener: "port N" and "bind_address A".
		l := p.defaultListener()
		if key == "port" {
			port, err := strconv.Atoi(rest)
			if err != nil || port <= 0 || port > 65535 {
				return p.errf("Invalid port value (%s)", rest)
			}
			l.Port = port
		} else {
			v, err := needArg()
			if err != nil {
				return err
			}
			l.Address = v
		}
	case "socket_domain":
		l, err := p.listener()
		if err != nil {
			return err
		}
		if rest != "ipv4" && rest != "ipv6" {
			return p.errf("Invalid socket_domain value \"%s\"", rest)
		}
		l.SocketDomain = rest
	case "protocol":
		if _, err := p.listener(); err != nil {
			return err
		}
		switch rest {
		case "mqtt":
		case "websockets":
			return p.errf("Websockets support is not available")
		default:
			return p.errf("Invalid protocol value (%s)", rest)
		}
	case "certfile", "keyfile", "cafile":
		l, err := p.listener()
		if err != nil {
			return err
		}
		v, err := needArg()
		if err != nil {
			return err
		}
		v = inPrefix(p.prefix, v)
		switch key {
		case "certfile":
			l.CertFile = v
		case "keyfile":
			l.KeyFile = v
		default:
			l.CAFile = v
		}
	case "require_certificate":
		l, err := p.listener()
		if err != nil {
			return err
		}
		b, err := p.bool(key, rest)
		if err != nil {
			return err
		}
		l.RequireCertificate = b
	case "tls_version":
		l, err := p.listener()
		if err != nil {
			return err
		}
		switch rest {
		case "tlsv1.1", "tlsv1.2", "tlsv1.3":
		default:
			return p.errf("Unsupported tls_version \"%s\"", rest)
		}
		l.TLSVersion = rest
	case "log_dest":
		d := LogDest{Type: args0(args)}
		switch d.Type {
		case "stdout", "stderr", "syslog", "topic", "none", "dlt":
		case "file":
			if len(args) < 2 {
				return p.errf("Empty \"log_dest file\" value in configuration")
			}
			d.Path = inPrefix(p.prefix, strings.TrimSpace(strings.TrimPrefix(rest, "file")))
		default:
			return p.errf("Invalid log_dest value (%s)", rest)
		}
		p.cfg.LogDest = append(p.cfg.LogDest, d)
	case "log_type":
		switch rest {
		case "debug", "error", "warning", "notice", "information", "subscribe", "unsubscribe",
			"websockets", "none", "all":
		default:
			return p.errf("Invalid log_type value (%s)", rest)
		}
		p.logTypes = append(p.logTypes, rest)
	case "allow_anonymous", "persistence", "retain_available":
		b, err := p.bool(key, rest)
		if err != nil {
			return err
		}
		switch key {
		case "allow_anonymous":
			p.cfg.AllowAnonymous = b
		case "persistence":
			p.cfg.Persistence = b
		default:
			p.cfg.RetainAvailable = b
		}
	case "password_file", "persistence_location", "persistence_file":
		v, err := needArg()
		if err != nil {
			return err
		}
		switch key {
		case "password_file":
			p.cfg.PasswordFile = inPrefix(p.prefix, v)
		case "persistence_location":
			p.cfg.PersistenceLocation = inPrefix(p.prefix, v)
		default:
			p.cfg.PersistenceFile = v
		}
	case "max_packet_size", "max_keepalive", "max_inflight_messages", "max_qos", "sys_interval":
		n, err := strconv.ParseUint(rest, 10, 32)
		if err != nil {
			return p.errf("Invalid %s value (%s)", key, rest)
		}
		switch key {
		case "max_packet_size":
			if n > 0 && n < 20 {
				return p.errf("max_packet_size smaller than 20 not allowed")
			}
			p.cfg.MaxPacketSize = uint32(n)
		case "max_keepalive":
			if n > 65535 {
				return p.errf("Invalid max_keepalive value (%s)", rest)
			}
			p.cfg.MaxKeepalive = uint16(n)
		case "max_inflight_messages":
			if n > 65535 {
				return p.errf("Invalid max_inflight_messages value (%s)", rest)
			}
			p.cfg.MaxInflightMessages = uint16(n)
		case "max_qos":
			if n > 2 {
				return p.errf("max_qos must be between 0 and 2 inclusive")
			}
			p.cfg.MaxQoS = byte(n)
		default:
			p.cfg.SysInterval = int64(n)
		}
	case "include_dir":
		v, err := needArg()
		if err != nil {
			return err
		}
		return p.includeDir(inPrefix(p.prefix, v), depth)
	default:
		switch {
		case ignoredKeys[key]:
			p.cfg.Ignored = append(p.cfg.Ignored, fmt.Sprintf("%s:%s:%d", key, p.fname, p.line))
		case unsupportedKeys[key] || strings.HasPrefix(key, "bridge_") || strings.HasPrefix(key, "auth_opt_") ||
			strings.HasPrefix(key, "plugin_opt_"):
			return p.errf("Unsupported configuration variable \"%s\"", key)
		default:
			return p.errf("Unknown configuration variable \"%s\"", key)
		}
	}
	return nil
}

// includeDir reads the *.conf files of dir in byte order, as Mosquitto does.
func (p *parser) includeDir(dir string, depth int) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return p.errf("Unable to open include_dir '%s'", dir)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := p.file(filepath.Join(dir, n), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// listener returns the listener that per-listener options apply to: the
// last "listener" line, or the default listener.
func (p *parser) listener() (*Listener, error) {
	if p.cur >= 0 {
		return &p.cfg.Listeners[p.cur], nil
	}
	return p.defaultListener(), nil
}

// defaultListener is the listener of the deprecated global "port" and
// "bind_address" options, created on first use (port 1883 as Mosquitto).
func (p *parser) defaultListener() *Listener {
	if p.def < 0 {
		p.cfg.Listeners = append(p.cfg.Listeners, Listener{Port: 1883})
		p.def = len(p.cfg.Listeners) - 1
	}
	return &p.cfg.Listeners[p.def]
}

func (p *parser) bool(key, v string) (bool, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, p.errf("Invalid %s value (%s)", key, v)
}

func args0(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}

// inPrefix resolves a relative path against the prefix.
func inPrefix(prefix, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(prefix, p)
}

func netJoin(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}
