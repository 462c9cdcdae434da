package gateway

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Software is the product token of the Server header and of standard
// error pages ("njet/3.3.0" matches OpenNJet's answers). server_tokens off
// keeps the part before the slash.
var Software = "njet/3.3.0"

// SendHeader runs the location's header filters, completes the header
// (Server, Date, absolute Location) and hands it to the engine. It is
// called by the first Write when a handler did not call it. Status 0
// sends 200.
func (c *Ctx) SendHeader() error {
	if c.headerSent {
		return nil
	}
	c.headerSent = true
	if c.forceStatus != 0 {
		// an error page answers with the status of the error it replaces
		c.Status = c.forceStatus
	}
	if c.Status == 0 {
		c.Status = 200
	}
	loc := c.Loc
	for _, f := range loc.HeaderFilters {
		f.FilterHeader(c)
	}
	c.completeHeader()
	if c.Method == "HEAD" || c.Status == 204 || c.Status == 304 || c.Status < 200 {
		c.body = discardBody{}
	}
	err := c.w.WriteHeader(c.Status, &c.RespHeader, c.keepAlive)
	if c.body == nil {
		c.engineBody.c = c
		var bw BodyWriter = &c.engineBody
		for i := len(loc.BodyFilters) - 1; i >= 0; i-- {
			bw = loc.BodyFilters[i].WrapBody(c, bw)
		}
		c.body = bw
	}
	return err
}

// Write sends body bytes (through the body filters), sending the header
// first if needed.
func (c *Ctx) Write(p []byte) (int, error) {
	if !c.headerSent {
		if err := c.SendHeader(); err != nil {
			return 0, err
		}
	}
	return c.body.Write(p)
}

// WriteString is Write for strings.
func (c *Ctx) WriteString(s string) (int, error) { return c.Write([]byte(s)) }

// Flush pushes what is buffered to the client.
func (c *Ctx) Flush() error {
	if !c.headerSent {
		if err := c.SendHeader(); err != nil {
			return err
		}
	}
	if f, ok := c.body.(BodyFlusher); ok {
		if err := f.Flush(); err != nil {
			return err
		}
	}
	return c.w.Flush()
}

// Send answers with status, an optional Content-Type and a body of known
// length, and returns Done.
func (c *Ctx) Send(status int, contentType string, body []byte) Result {
	c.Status = status
	if contentType != "" {
		c.RespHeader.Set("Content-Type", contentType)
	}
	c.RespHeader.Set("Content-Length", strconv.Itoa(len(body)))
	if err := c.SendHeader(); err != nil {
		return Done()
	}
	if len(body) > 0 {
		c.Write(body)
	}
	return Done()
}

func (c *Ctx) finishBody() {
	if c.drop || c.hijacked {
		return
	}
	if !c.headerSent {
		// the content handler ended without answering
		c.sendSpecial(500)
	}
	if c.body != nil {
		c.body.Close()
	}
}

type engineBody struct{ c *Ctx }

func (e *engineBody) Write(p []byte) (int, error) {
	n, err := e.c.w.Write(p)
	e.c.BodyBytesSent += int64(n)
	return n, err
}

func (e *engineBody) Close() error { return nil }

type discardBody struct{}

func (discardBody) Write(p []byte) (int, error) { return len(p), nil }
func (discardBody) Close() error                { return nil }

// completeHeader is nginx's header filter: Server, Date, and a relative
// Location made absolute.
func (c *Ctx) completeHeader() {
	h := &c.RespHeader
	core := &c.Loc.Core
	if !h.Has("Server") {
		switch core.ServerTokens {
		case "off":
			h.Add("Server", productName())
		default:
			h.Add("Server", Software)
		}
	}
	if !h.Has("Date") {
		h.Add("Date", HTTPDate())
	}
	if loc, ok := h.Lookup("Location"); ok && strings.HasPrefix(loc, "/") && core.AbsoluteRedirect {
		h.Set("Location", c.absoluteBase()+loc)
	}
	if c.Status == 204 {
		// no content: nginx sends neither type nor length
		h.Del("Content-Type")
		h.Del("Content-Length")
		h.Del("Last-Modified")
	}
	h.orderForResponse()
}

func productName() string {
	if i := strings.IndexByte(Software, '/'); i >= 0 {
		return Software[:i]
	}
	return Software
}

// absoluteBase is "scheme://host[:port]" for redirects, following
// server_name_in_redirect and port_in_redirect.
func (c *Ctx) absoluteBase() string {
	core := &c.Loc.Core
	host := c.Host
	if core.ServerNameInRedirect || host == "" {
		if n := c.Server.Name(); n != "" && !strings.HasPrefix(n, "~") && !strings.Contains(n, "*") {
			host = n
		} else if host == "" {
			host, _, _ = net.SplitHostPort(c.Req.Conn.LocalAddr)
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
	}
	scheme := c.Scheme()
	b := scheme + "://" + host
	if core.PortInRedirect {
		port := c.Port()
		if port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
			b += ":" + port
		}
	}
	return b
}

var dateCache atomic.Pointer[dateEntry]

type dateEntry struct {
	sec int64
	s   string
}

// HTTPDate is the current time in the Date header's format, computed once
// a second.
func HTTPDate() string {
	now := time.Now()
	sec := now.Unix()
	if d := dateCache.Load(); d != nil && d.sec == sec {
		return d.s
	}
	d := &dateEntry{sec: sec, s: now.UTC().Format(httpTimeLayout)}
	dateCache.Store(d)
	return d.s
}
