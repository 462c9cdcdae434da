package gateway

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// maxURIChanges bounds rewrites and internal redirects per request, as
// nginx's NGX_HTTP_MAX_URI_CHANGES.
const maxURIChanges = 10

// run processes the request from the post-read phase to the log phase.
// status != 0 means the engine already failed the request.
func (c *Ctx) run(status int) {
	defer func() {
		if p := recover(); p != nil {
			c.Logf(LevelAlert, "panic while processing request: %v\n%s", p, debug.Stack())
			if !c.headerSent {
				c.keepAlive = false
				c.sendSpecial(500)
			} else {
				c.keepAlive = false
			}
			c.finishBody()
			c.logPhase()
		}
	}()
	req := c.Req
	c.Method = req.Method
	c.keepAlive = req.KeepAlive
	key := ""
	if req.Conn != nil {
		key = req.Conn.Listen
	}
	def := c.Config.DefaultServer(key)
	if def == nil {
		c.drop = true
		return
	}
	c.Server, c.Loc = def, def.Root
	res := Continue
	if status != 0 {
		res = Status(status)
	} else {
		res = c.init(key, def)
	}
	if res.Action == ActContinue {
		res = c.runFrom(PhasePostRead)
	}
	c.dispatch(res)
	c.finishBody()
	c.logPhase()
}

// init parses the URI and Host and picks the virtual server.
func (c *Ctx) init(key string, def *Server) Result {
	req := c.Req
	path, args, uhost, err := ParseRequestTarget(req.RequestURI, def.MergeSlashes)
	if err != nil {
		c.Logf(LevelInfo, "client sent invalid request while reading client request line")
		return Status(400)
	}
	c.URI, c.Args = path, args
	hostHdr, hasHost := req.Header.Lookup("Host")
	if hasHost && req.Header.Count("Host") > 1 {
		c.Logf(LevelInfo, "client sent duplicate host header: \"Host: %s\", previous value: \"Host: %s\" while reading client request headers", req.Header.Values("Host")[1], hostHdr)
		return Status(400)
	}
	h := hostHdr
	if uhost != "" {
		h = uhost
	}
	host, ok := "", true
	if hasHost || uhost != "" {
		host, ok = ValidateHost(h)
	}
	if !ok {
		c.Logf(LevelInfo, "client sent invalid host header while reading client request headers")
		return Status(400)
	}
	c.Host = host
	if !hasHost && uhost == "" && req.ProtoMajor == 1 && req.ProtoMinor >= 1 {
		c.Logf(LevelInfo, "client sent HTTP/1.1 request without \"Host\" header while reading client request headers")
		return Status(400)
	}
	c.Server = c.Config.FindServer(c, key, host)
	if c.Server == nil {
		c.Server = def
	}
	c.Loc = c.Server.Root
	return Continue
}

// dispatch acts on the result that ended a run of phases: internal
// redirects loop back into the phases, statuses go through error_page.
func (c *Ctx) dispatch(res Result) {
	for {
		switch res.Action {
		case ActDone, ActContinue, ActAllow:
			return
		case ActStatus:
			res = c.finalizeStatus(res.Status)
		case ActRedirect:
			if !c.countRedirect() {
				res = Status(500)
				continue
			}
			c.URI, c.Args = res.URI, res.Args
			c.internal = true
			res = c.runFrom(PhaseServerRewrite)
		case ActNamed:
			if !c.countRedirect() {
				res = Status(500)
				continue
			}
			loc := c.Server.NamedLocation(res.URI)
			if loc == nil {
				c.Logf(LevelError, "could not find named location \"@%s\"", res.URI)
				res = Status(500)
				continue
			}
			c.internal = true
			c.Loc = loc
			c.applyLocation()
			res = c.runFrom(PhaseRewrite)
		case ActRestart:
			res = c.runFrom(PhaseServerRewrite)
		default:
			return
		}
	}
}

func (c *Ctx) countRedirect() bool {
	c.redirects++
	if c.redirects > maxURIChanges {
		c.Logf(LevelError, "rewrite or internal redirection cycle while internally redirecting to \"%s\"", c.URI)
		return false
	}
	return true
}

// runFrom runs the phases from p on and returns the result that stopped
// them (ActDone after a content handler answered).
func (c *Ctx) runFrom(p Phase) Result {
	for ; p < NumPhases; p++ {
		var res Result
		switch p {
		case PhasePostRead:
			res = c.runFilters(c.Server.Root.Phases[PhasePostRead])
		case PhaseServerRewrite:
			c.Loc = c.Server.Root
			res = c.runFilters(c.Loc.Phases[PhaseServerRewrite])
			if res.Action == ActRestart {
				res = Continue
			}
			if res.Action == ActContinue {
				res = c.findConfig()
			}
		case PhaseRewrite:
			res = c.runFilters(c.Loc.Phases[PhaseRewrite])
			if res.Action == ActRestart {
				// rewrites and internal redirects share nginx's one
				// budget of uri_changes
				c.redirects++
				if c.redirects > maxURIChanges {
					c.Logf(LevelError, "rewrite or internal redirection cycle while processing \"%s\"", c.URI)
					return Status(500)
				}
				if res = c.findConfig(); res.Action != ActContinue {
					return res
				}
				p = PhaseRewrite - 1
				continue
			}
		case PhaseAccess:
			res = c.accessPhase()
		case PhaseContent:
			h := c.Loc.Content
			if h == nil {
				return Status(404)
			}
			res = h.Handle(c)
			if res.Action == ActContinue || res.Action == ActAllow {
				if !c.headerSent {
					return Status(404)
				}
				return Done()
			}
			return res
		case PhaseLog:
			return Done()
		default:
			res = c.runFilters(c.Loc.Phases[p])
		}
		if res.Action != ActContinue && res.Action != ActAllow {
			return res
		}
	}
	return Done()
}

func (c *Ctx) runFilters(fs []Filter) Result {
	for _, f := range fs {
		if res := f.Handle(c); res.Action != ActContinue && res.Action != ActAllow {
			return res
		}
	}
	return Continue
}

// findConfig searches the location for c.URI and applies its settings.
func (c *Ctx) findConfig() Result {
	loc, redirect := c.findLocation(c.Server.Root, c.URI)
	if loc == nil {
		loc = c.Server.Root
	}
	c.Loc = loc
	if redirect {
		target := c.URI + "/"
		if c.Args != "" {
			target += "?" + c.Args
		}
		c.RespHeader.Set("Location", target)
		return Status(301)
	}
	if loc.Core.Internal && !c.internal {
		return Status(404)
	}
	if r := c.applyLocation(); r.Action != ActContinue {
		return r
	}
	return Continue
}

// applyLocation applies the per-location request settings: limit_except,
// keep-alive limits and client_max_body_size.
func (c *Ctx) applyLocation() Result {
	loc := c.Loc
	if loc.LimitExcept != nil && !methodListed(c.Method, loc.LimitExceptMethods) {
		c.Loc = loc.LimitExcept
		loc = c.Loc
	}
	core := &loc.Core
	if c.keepAlive && !c.keepAliveAllowed(core) {
		c.keepAlive = false
	}
	if max := core.ClientMaxBodySize; max > 0 && c.Req.ContentLength > max {
		c.Logf(LevelError, "client intended to send too large body: %d bytes", c.Req.ContentLength)
		c.keepAlive = false
		return Status(413)
	}
	return Continue
}

// keepAliveAllowed applies the location's keep-alive limits, as nginx's
// ngx_http_update_location_config.
func (c *Ctx) keepAliveAllowed(core *CoreConf) bool {
	conn := c.Req.Conn
	switch {
	case core.KeepaliveTimeout == 0:
		return false
	case conn != nil && core.KeepaliveRequests > 0 && conn.Requests >= core.KeepaliveRequests:
		return false
	case conn != nil && core.KeepaliveTime > 0 && !conn.Start.IsZero() && time.Since(conn.Start) > core.KeepaliveTime:
		return false
	}
	if !core.KeepaliveDisableMSIE6 && !core.KeepaliveDisableSafari {
		return true
	}
	ua := c.Req.Header.Get("User-Agent")
	if core.KeepaliveDisableMSIE6 && c.Method == "POST" && isMSIE6(ua) {
		return false
	}
	return !(core.KeepaliveDisableSafari && isSafari(ua))
}

// isMSIE6 recognises MSIE 4 to 6 (6 without SP2's "SV1"), as nginx does.
func isMSIE6(ua string) bool {
	i := strings.Index(ua, "MSIE ")
	if i < 0 || i+7 >= len(ua) || ua[i+6] != '.' {
		return false
	}
	switch ua[i+5] {
	case '4', '5':
		return true
	case '6':
		return !strings.Contains(ua[i+8:], "SV1")
	}
	return false
}

// isSafari recognises Safari on macOS, and not the browsers whose user
// agents also mention Safari (Gecko-, Chrome-based), as nginx does.
func isSafari(ua string) bool {
	if strings.Contains(ua, "Gecko/") || strings.Contains(ua, "Chrome/") {
		return false
	}
	return strings.Contains(ua, "Safari/") && strings.Contains(ua, "Mac OS X")
}

func methodListed(m string, list []string) bool {
	for _, x := range list {
		if x == m {
			return true
		}
	}
	return m == "HEAD" && methodListed("GET", list)
}

// accessPhase runs the access checks and combines them by satisfy.
func (c *Ctx) accessPhase() Result {
	fs := c.Loc.Phases[PhaseAccess]
	if len(fs) == 0 {
		return Continue
	}
	any := c.Loc.Core.SatisfyAny
	denied := 0
	for _, f := range fs {
		res := f.Handle(c)
		switch res.Action {
		case ActContinue:
		case ActAllow:
			if any {
				return Continue
			}
		case ActStatus:
			if !any {
				return res
			}
			if (res.Status == 403 || res.Status == 401) && denied != 401 {
				denied = res.Status
			} else if denied == 0 {
				denied = res.Status
			}
		default:
			return res
		}
	}
	if denied != 0 {
		return Status(denied)
	}
	return Continue
}

// finalizeStatus turns a status into an answer: an error_page redirect, a
// standard page, or a dropped connection.
func (c *Ctx) finalizeStatus(status int) Result {
	if status == 444 || status == 499 {
		c.Status = status
		c.drop = true
		c.keepAlive = false
		return Done()
	}
	if c.headerSent {
		c.keepAlive = false
		return Done()
	}
	// a new error raised while an error page is served replaces the
	// status the page was going to be sent with (nginx's r->err_status)
	c.forceStatus = 0
	switch status {
	case 400, 413, 414, 497, 495, 496, 500, 501:
		c.keepAlive = false
	}
	core := &c.Loc.Core
	if !c.errorPage && len(core.ErrorPages) > 0 {
		if !core.RecursiveErrorPages {
			c.errorPage = true
		}
		for i := range core.ErrorPages {
			ep := &core.ErrorPages[i]
			for _, code := range ep.Codes {
				if code == status {
					return c.errorPageRedirect(ep, status)
				}
			}
		}
	}
	c.sendSpecial(status)
	return Done()
}

func (c *Ctx) errorPageRedirect(ep *ErrorPage, status int) Result {
	c.forceStatus = status
	if ep.Override > 0 {
		c.forceStatus = ep.Override
	} else if ep.Override < 0 {
		c.forceStatus = 0
	}
	uri := ep.URI.Eval(c)
	switch {
	case strings.HasPrefix(uri, "/"):
		path, args := uri, ""
		if q := strings.IndexByte(uri, '?'); q >= 0 {
			path, args = uri[:q], uri[q+1:]
		}
		if c.Method != "HEAD" {
			c.Method = "GET"
		}
		return Redirect(path, args)
	case strings.HasPrefix(uri, "@"):
		return Named(uri[1:])
	}
	switch ep.Override {
	case 301, 302, 303, 307, 308:
		status = ep.Override
	default:
		status = 302
	}
	c.forceStatus = 0
	c.RespHeader.Del("Location")
	c.RespHeader.Set("Location", uri)
	c.sendSpecial(status)
	return Done()
}

// Logf writes an error-log line with the request's context appended, in
// nginx's form ("..., client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"").
func (c *Ctx) Logf(level Level, format string, args ...any) {
	l := c.Config.ErrorLog
	if c.Loc != nil && c.Loc.ErrorLog != nil {
		l = c.Loc.ErrorLog
	}
	if l == nil {
		l = stderrLogger
	}
	if !l.Enabled(level) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	var b strings.Builder
	b.WriteString(msg)
	if c.Req != nil && c.Req.Conn != nil {
		b.WriteString(", client: ")
		b.WriteString(hostOnly(c.RemoteAddr()))
		if c.Server != nil {
			b.WriteString(", server: ")
			b.WriteString(c.Server.Name())
		}
		if c.Req.Method != "" {
			fmt.Fprintf(&b, ", request: \"%s %s %s\"", c.Req.Method, c.Req.RequestURI, c.Req.Proto)
		}
		if h := c.Req.Header.Get("Host"); h != "" {
			fmt.Fprintf(&b, ", host: \"%s\"", h)
		}
	}
	var conn uint64
	if c.Req != nil && c.Req.Conn != nil {
		conn = c.Req.Conn.ID
	}
	l.Log(level, conn, b.String())
}
