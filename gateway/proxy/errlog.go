package proxy

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// Actions name what the proxy was doing, for the " while ..." part of
// error-log lines, in nginx's words.
const (
	actConnect    = "connecting to upstream"
	actSend       = "sending request to upstream"
	actReadHeader = "reading response header from upstream"
	actReadBody   = "reading upstream"
	actSendClient = "sending to client"
	actUpgraded   = "proxying upgraded connection"
)

var fallbackLog gateway.ErrorLogger = &gateway.WriterLogger{Out: os.Stderr, Level: gateway.LevelError}

// logf writes an error-log line the way nginx's upstream module does:
// the message, the system error as "(111: Connection refused)", the
// action, then client, server, request, upstream and host. The core's
// Ctx.Logf has no place for the upstream part, hence this writer.
func (x *exchange) logf(level gateway.Level, action string, err error, format string, args ...any) {
	c := x.c
	l := c.Config.ErrorLog
	if l == nil {
		l = fallbackLog
	}
	if !l.Enabled(level) {
		return
	}
	var b strings.Builder
	if len(args) == 0 {
		b.WriteString(format)
	} else {
		b.WriteString(fmt.Sprintf(format, args...))
	}
	if e := errnoText(err); e != "" {
		b.WriteString(" (")
		b.WriteString(e)
		b.WriteByte(')')
	}
	if action != "" {
		b.WriteString(" while ")
		b.WriteString(action)
	}
	req := c.Req
	var conn uint64
	if req != nil && req.Conn != nil {
		conn = req.Conn.ID
		b.WriteString(", client: ")
		b.WriteString(hostOf(req.Conn.RemoteAddr))
	}
	if c.Server != nil {
		b.WriteString(", server: ")
		b.WriteString(c.Server.Name())
	}
	if req != nil && req.Method != "" {
		b.WriteString(", request: \"")
		b.WriteString(gateway.RequestLine(req))
		b.WriteByte('"')
	}
	if x.peerName != "" {
		b.WriteString(", upstream: \"")
		b.WriteString(x.tgt.schema)
		b.WriteString(x.peerName)
		if strings.HasPrefix(x.peerName, "unix:") {
			b.WriteByte(':')
		}
		b.Write(x.uri())
		b.WriteByte('"')
	}
	if req != nil {
		if h, ok := req.Header.Lookup("Host"); ok {
			b.WriteString(", host: \"")
			b.WriteString(h)
			b.WriteByte('"')
		}
		if r, ok := req.Header.Lookup("Referer"); ok {
			b.WriteString(", referrer: \"")
			b.WriteString(r)
			b.WriteByte('"')
		}
	}
	l.Log(level, conn, b.String())
}

// errnoText renders the system error behind err as nginx prints
// strerror: "111: Connection refused". Deadlines count as ETIMEDOUT, as
// nginx's own timers do.
func errnoText(err error) string {
	if err == nil {
		return ""
	}
	var no syscall.Errno
	if errors.As(err, &no) {
		return strconv.Itoa(int(no)) + ": " + capitalize(no.Error())
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err) {
		return strconv.Itoa(int(syscall.ETIMEDOUT)) + ": " + capitalize(syscall.ETIMEDOUT.Error())
	}
	return ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// hostOf strips the port from "ip:port" ("unix:" stays as it is).
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
