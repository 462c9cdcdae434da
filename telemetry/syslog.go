package telemetry

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// Syslog sends log lines to a syslog server over UDP (or a unix datagram
// socket) in the BSD format nginx uses:
// "<PRI>Nov 24 10:00:00 hostname tag: message".
type Syslog struct {
	// Network and Addr locate the server: "udp" and "host:port", or
	// "unixgram" and a socket path.
	Network, Addr string
	// Facility (0-23, default 23 "local7") and Severity (0-7, default 6
	// "info"; error logs use each line's level) make the priority.
	Facility, Severity int
	// Tag names the program (default "nginx").
	Tag string
	// NoHostname leaves the host name out of the header.
	NoHostname bool
	// Text is the target as written ("syslog:server=...").
	Text string

	mu   sync.Mutex
	conn net.Conn
}

var syslogFacilities = []string{
	"kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news", "uucp",
	"clock", "authpriv", "ftp", "ntp", "audit", "alert", "cron", "local0",
	"local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

var syslogSeverities = []string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// IsSyslog reports whether a log target names a syslog server.
func IsSyslog(target string) bool { return strings.HasPrefix(target, "syslog:") }

// ParseSyslog reads a "syslog:server=addr[:port][,facility=f][,severity=s]
// [,tag=t][,nohostname]" target. Errors use nginx's words.
func ParseSyslog(target string) (*Syslog, error) {
	s := &Syslog{Facility: -1, Severity: -1, Text: target}
	hasTag := false
	for _, p := range strings.Split(strings.TrimPrefix(target, "syslog:"), ",") {
		switch {
		case strings.HasPrefix(p, "server="):
			if s.Addr != "" {
				return nil, fmt.Errorf("duplicate syslog \"server\"")
			}
			if err := s.setServer(p[7:]); err != nil {
				return nil, err
			}
		case strings.HasPrefix(p, "facility="):
			if s.Facility >= 0 {
				return nil, fmt.Errorf("duplicate syslog \"facility\"")
			}
			if s.Facility = indexOf(syslogFacilities, p[9:]); s.Facility < 0 {
				return nil, fmt.Errorf("unknown syslog facility \"%s\"", p[9:])
			}
		case strings.HasPrefix(p, "severity="):
			if s.Severity >= 0 {
				return nil, fmt.Errorf("duplicate syslog \"severity\"")
			}
			if s.Severity = indexOf(syslogSeverities, p[9:]); s.Severity < 0 {
				return nil, fmt.Errorf("unknown syslog severity \"%s\"", p[9:])
			}
		case strings.HasPrefix(p, "tag="):
			if hasTag {
				return nil, fmt.Errorf("duplicate syslog \"tag\"")
			}
			tag := p[4:]
			if len(tag) > 32 {
				return nil, fmt.Errorf("syslog tag length exceeds 32")
			}
			for i := 0; i < len(tag); i++ {
				c := tag[i] | 0x20
				if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || tag[i] == '_') {
					return nil, fmt.Errorf("syslog \"tag\" only allows alphanumeric characters and underscore")
				}
			}
			s.Tag, hasTag = tag, true
		case p == "nohostname":
			s.NoHostname = true
		default:
			return nil, fmt.Errorf("unknown syslog parameter \"%s\"", p)
		}
	}
	if s.Addr == "" {
		return nil, fmt.Errorf("no syslog server specified")
	}
	if s.Facility < 0 {
		s.Facility = 23
	}
	if s.Severity < 0 {
		s.Severity = 6
	}
	if !hasTag {
		s.Tag = "nginx"
	}
	return s, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// setServer resolves the server address at configuration time, as nginx
// does, so a typo fails the configuration rather than every line.
func (s *Syslog) setServer(addr string) error {
	if strings.HasPrefix(addr, "unix:") {
		s.Network, s.Addr = "unixgram", addr[5:]
		return nil
	}
	host, port := addr, "514"
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]") {
		host = addr[1 : len(addr)-1]
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("invalid port in syslog server \"%s\"", addr)
	}
	if host == "" {
		return fmt.Errorf("no host in syslog server \"%s\"", addr)
	}
	ua, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, port))
	if err != nil {
		return fmt.Errorf("host not found in syslog server \"%s\"", addr)
	}
	s.Network, s.Addr = "udp", ua.String()
	return nil
}

// maxSyslogMessage bounds a datagram as nginx's NGX_SYSLOG_MAX_STR does.
const maxSyslogMessage = maxErrorLine + len("<255>Jan 01 00:00:00 ") + 255 + 1 + 32 + 2

// Send sends one message (without newline) with the given severity, or
// the Syslog's own when severity is negative.
func (s *Syslog) Send(severity int, msg []byte) error {
	if severity < 0 {
		severity = s.Severity
	}
	b := make([]byte, 0, 64+len(msg))
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(s.Facility*8+severity), 10)
	b = append(b, '>')
	b = append(b, syslogTime()...)
	b = append(b, ' ')
	if !s.NoHostname {
		b = append(b, logHostname()...)
		b = append(b, ' ')
	}
	b = append(b, s.Tag...)
	b = append(b, ':', ' ')
	b = append(b, msg...)
	if len(b) > maxSyslogMessage {
		b = b[:maxSyslogMessage]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		c, err := net.Dial(s.Network, s.Addr)
		if err != nil {
			return fmt.Errorf("connect() failed (%s) while logging to syslog, server: %s", errnoText(err), s.Addr)
		}
		s.conn = c
	}
	if _, err := s.conn.Write(b); err != nil {
		s.conn.Close()
		s.conn = nil
		return fmt.Errorf("send() to syslog failed")
	}
	return nil
}

// Close closes the socket.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// severityOf maps an error-log level to a syslog severity; the scales
// are the same.
func severityOf(l gateway.Level) int {
	if l < 0 {
		return 0
	}
	if l > gateway.LevelDebug {
		return int(gateway.LevelDebug)
	}
	return int(l)
}

var (
	hostOnce sync.Once
	hostName string
)

// logHostname is the machine name in lower case, as nginx keeps it.
func logHostname() string {
	hostOnce.Do(func() {
		if h, err := os.Hostname(); err == nil {
			hostName = strings.ToLower(h)
		}
	})
	return hostName
}

// syslogTime is the syslog header time, "Nov 24 10:00:00" ("Nov  4" for
// one-digit days).
func syslogTime() string { return time.Now().Format("Jan _2 15:04:05") }
