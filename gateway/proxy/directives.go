package proxy

import (
	"regexp"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/upstream"
)

// The njet.conf directives of the proxy module, nginx's
// ngx_http_proxy_commands (the ones GoNJet implements).

const (
	ctxMain = conf.HTTP | conf.Server | conf.Location
	ctxPass = conf.Location | conf.LocationIf | conf.LimitExcept
)

var mod = &conf.Module{
	Name:    "proxy",
	NewConf: func() any { return &locConf{} },
	Merge:   merge,
	Apply:   apply,
}

func init() {
	mod.Directives = directives()
	conf.Register(mod)
}

func directives() []conf.Directive {
	return []conf.Directive{
		{Name: "proxy_pass", Context: ctxPass, Args: conf.Take1, Set: setPass},
		{Name: "proxy_redirect", Context: ctxMain, Args: conf.Take12, Set: setRedirect},
		{Name: "proxy_cookie_domain", Context: ctxMain, Args: conf.Take12, Set: setCookieRewrite},
		{Name: "proxy_cookie_path", Context: ctxMain, Args: conf.Take12, Set: setCookieRewrite},
		{Name: "proxy_set_header", Context: ctxMain, Args: conf.Take2, Set: setHeader},
		{Name: "proxy_set_body", Context: ctxMain, Args: conf.Take1, Set: setBody},
		{Name: "proxy_method", Context: ctxMain, Args: conf.Take1, Set: setMethod},
		{Name: "proxy_http_version", Context: ctxMain, Args: conf.Take1, Set: setHTTPVersion},
		{Name: "proxy_pass_request_headers", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.passHeaders })},
		{Name: "proxy_pass_request_body", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.passBody })},
		{Name: "proxy_buffering", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.buffering })},
		{Name: "proxy_request_buffering", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.requestBuffering })},
		{Name: "proxy_intercept_errors", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.intercept })},
		{Name: "proxy_socket_keepalive", Context: ctxMain, Args: conf.Flag, Set: flagSlot(func(c *locConf) *val[bool] { return &c.socketKeepalive })},
		{Name: "proxy_buffer_size", Context: ctxMain, Args: conf.Take1, Set: sizeSlot(func(c *locConf) *val[int] { return &c.bufferSize })},
		{Name: "proxy_busy_buffers_size", Context: ctxMain, Args: conf.Take1, Set: sizeSlot(func(c *locConf) *val[int] { return &c.busyBuffers })},
		{Name: "proxy_buffers", Context: ctxMain, Args: conf.Take2, Set: setBuffers},
		{Name: "proxy_connect_timeout", Context: ctxMain, Args: conf.Take1, Set: msecSlot(func(c *locConf) *val[time.Duration] { return &c.connectTimeout })},
		{Name: "proxy_send_timeout", Context: ctxMain, Args: conf.Take1, Set: msecSlot(func(c *locConf) *val[time.Duration] { return &c.sendTimeout })},
		{Name: "proxy_read_timeout", Context: ctxMain, Args: conf.Take1, Set: msecSlot(func(c *locConf) *val[time.Duration] { return &c.readTimeout })},
		{Name: "proxy_next_upstream_timeout", Context: ctxMain, Args: conf.Take1, Set: msecSlot(func(c *locConf) *val[time.Duration] { return &c.nextTimeout })},
		{Name: "proxy_next_upstream_tries", Context: ctxMain, Args: conf.Take1, Set: setNextTries},
		{Name: "proxy_next_upstream", Context: ctxMain, Args: conf.OneOrMore, Set: setNextUpstream},
		{Name: "proxy_hide_header", Context: ctxMain, Args: conf.Take1, Set: setHideHeader},
		{Name: "proxy_pass_header", Context: ctxMain, Args: conf.Take1, Set: setPassHeader},
		{Name: "proxy_ignore_headers", Context: ctxMain, Args: conf.OneOrMore, Set: setIgnoreHeaders},
	}
}

// val is a setting that may be unset at a level, so that it is inherited.
type val[T any] struct {
	v   T
	set bool
}

func (c *val[T]) merge(p val[T]) {
	if !c.set && p.set {
		*c = p
	}
}

func (c val[T]) or(def T) T {
	if c.set {
		return c.v
	}
	return def
}

// locConf is the proxy configuration of one level (http, server,
// location, if, limit_except), nginx's ngx_http_proxy_loc_conf_t.
type locConf struct {
	parent *locConf
	// pass is this level's own proxy_pass; effective is the one its
	// requests use (an if or limit_except block inherits its location's).
	pass      *passConf
	effective *passConf

	redirect     val[bool] // off: false
	redirects    []Rewrite
	redirectsSet bool
	cookieDomain val[[]Rewrite]
	cookiePath   val[[]Rewrite]

	headers     val[[]HeaderValue]
	body        val[*gateway.Template]
	method      val[*gateway.Template]
	http11      val[bool]
	hide        val[[]string]
	passHdr     val[[]string]
	ignore      val[IgnoreHeaders]
	next        val[NextUpstream]
	nextTries   val[int]
	nextTimeout val[time.Duration]

	passHeaders      val[bool]
	passBody         val[bool]
	buffering        val[bool]
	requestBuffering val[bool]
	intercept        val[bool]
	socketKeepalive  val[bool]

	bufferSize     val[int]
	busyBuffers    val[int]
	buffersNum     val[int]
	buffersSize    val[int]
	buffersNode    *conf.Node
	connectTimeout val[time.Duration]
	sendTimeout    val[time.Duration]
	readTimeout    val[time.Duration]
}

// passConf is one proxy_pass directive.
type passConf struct {
	node     *conf.Node
	url      string
	tpl      *gateway.Template // with variables
	tgt      *target
	location string
	resolved bool
}

func lc(bl *conf.Block) *locConf { return bl.Conf(mod).(*locConf) }

func setPass(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	if c.pass != nil {
		return conf.Duplicate(n)
	}
	url := n.Args[0]
	p := &passConf{node: n, url: url}
	loc := bl.Loc
	if strings.IndexByte(url, '$') >= 0 {
		tpl, err := bl.Template(n, url)
		if err != nil {
			return err
		}
		p.tpl = tpl
		c.pass = p
		return nil
	}
	t, err := parseTarget(url)
	if err != nil {
		if err == errInvalidPrefix {
			return conf.Errorf(n, "invalid URL prefix")
		}
		if strings.HasPrefix(err.Error(), "https") {
			return conf.Errorf(n, "%v", err)
		}
		return conf.Errorf(n, "%v in upstream \"%s\"", err, url[len(t0schema(url)):])
	}
	p.tgt = t
	if loc != nil {
		p.location = loc.Name
	}
	noname := bl.Ctx&(conf.LocationIf|conf.LimitExcept) != 0
	if loc == nil || noname || loc.Match == gateway.MatchRegex || loc.Match == gateway.MatchRegexCaseless || loc.Match == gateway.MatchNamed {
		if t.uri != "" {
			return conf.Errorf(n, "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block")
		}
		p.location = ""
	}
	c.pass = p
	return nil
}

// t0schema is the "http://" prefix of a URL that parsed far enough.
func t0schema(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[:i+3]
	}
	return ""
}

func setRedirect(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	if c.redirect.set && !c.redirect.v {
		return conf.Duplicate(n)
	}
	c.redirect = val[bool]{v: true, set: true}
	if len(n.Args) == 1 {
		switch n.Args[0] {
		case "off":
			if c.redirectsSet {
				return conf.Duplicate(n)
			}
			c.redirect = val[bool]{v: false, set: true}
			return nil
		case "default":
			if c.pass != nil && c.pass.tpl != nil {
				return conf.Errorf(n, "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables")
			}
			if c.pass == nil {
				return conf.Errorf(n, "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive")
			}
			r, err := DefaultRedirect(c.pass.url, c.pass.location)
			if err != nil {
				return conf.Errorf(n, "%v", err)
			}
			c.redirects = append(c.redirects, r)
			c.redirectsSet = true
			return nil
		}
		return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[0])
	}
	r, err := compileRewrite(bl, n, false)
	if err != nil {
		return err
	}
	c.redirects = append(c.redirects, r)
	c.redirectsSet = true
	return nil
}

// compileRewrite reads "pattern replacement": "~re" and "~*re" are
// regular expressions (always caseless for cookie domains), anything else
// a template.
func compileRewrite(bl *conf.Block, n *conf.Node, domain bool) (Rewrite, error) {
	pat, repl := n.Args[0], n.Args[1]
	var r Rewrite
	if strings.HasPrefix(pat, "~") {
		expr := pat[1:]
		caseless := domain
		if !domain && strings.HasPrefix(expr, "*") {
			expr, caseless = expr[1:], true
		}
		src := expr
		if caseless {
			src = "(?i)" + expr
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return r, conf.Errorf(n, "pcre2_compile() failed: %v in \"%s\"", err, expr)
		}
		r.Regex = re
	} else {
		if domain {
			pat = strings.TrimPrefix(pat, ".")
		}
		tpl, err := bl.Template(n, pat)
		if err != nil {
			return r, err
		}
		r.Pattern = tpl
		if domain {
			repl = strings.TrimPrefix(repl, ".")
		}
	}
	tpl, err := bl.Template(n, repl)
	if err != nil {
		return r, err
	}
	r.Replacement = tpl
	return r, nil
}

func setCookieRewrite(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	domain := n.Name == "proxy_cookie_domain"
	list := &c.cookiePath
	if domain {
		list = &c.cookieDomain
	}
	if list.set && list.v == nil {
		return conf.Duplicate(n)
	}
	if len(n.Args) == 1 {
		if n.Args[0] != "off" {
			return conf.Errorf(n, "invalid parameter \"%s\"", n.Args[0])
		}
		if list.set {
			return conf.Duplicate(n)
		}
		*list = val[[]Rewrite]{set: true}
		return nil
	}
	r, err := compileRewrite(bl, n, domain)
	if err != nil {
		return err
	}
	list.v = append(list.v, r)
	list.set = true
	return nil
}

func setHeader(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	tpl, err := bl.Template(n, n.Args[1])
	if err != nil {
		return err
	}
	c.headers.v = append(c.headers.v, HeaderValue{Name: n.Args[0], Value: tpl})
	c.headers.set = true
	return nil
}

func setBody(bl *conf.Block, n *conf.Node) error {
	return templateSlot(bl, n, &lc(bl).body)
}

func setMethod(bl *conf.Block, n *conf.Node) error {
	return templateSlot(bl, n, &lc(bl).method)
}

func templateSlot(bl *conf.Block, n *conf.Node, dst *val[*gateway.Template]) error {
	if dst.set {
		return conf.Duplicate(n)
	}
	tpl, err := bl.Template(n, n.Args[0])
	if err != nil {
		return err
	}
	*dst = val[*gateway.Template]{v: tpl, set: true}
	return nil
}

func setHTTPVersion(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	if c.http11.set {
		return conf.Duplicate(n)
	}
	switch n.Args[0] {
	case "1.0":
		c.http11 = val[bool]{v: false, set: true}
	case "1.1":
		c.http11 = val[bool]{v: true, set: true}
	default:
		return conf.Errorf(n, "invalid value \"%s\"", n.Args[0])
	}
	return nil
}

func flagSlot(field func(*locConf) *val[bool]) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		dst := field(lc(bl))
		if dst.set {
			return conf.Duplicate(n)
		}
		on, err := conf.Flag(n)
		if err != nil {
			return err
		}
		*dst = val[bool]{v: on, set: true}
		return nil
	}
}

func sizeSlot(field func(*locConf) *val[int]) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		dst := field(lc(bl))
		if dst.set {
			return conf.Duplicate(n)
		}
		v, err := conf.ParseSize(n.Args[0])
		if err != nil {
			return conf.InvalidValue(n)
		}
		*dst = val[int]{v: int(v), set: true}
		return nil
	}
}

func msecSlot(field func(*locConf) *val[time.Duration]) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		dst := field(lc(bl))
		if dst.set {
			return conf.Duplicate(n)
		}
		v, err := conf.ParseDuration(n.Args[0])
		if err != nil {
			return conf.InvalidValue(n)
		}
		*dst = val[time.Duration]{v: v, set: true}
		return nil
	}
}

func setBuffers(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	if c.buffersNum.set {
		return conf.Duplicate(n)
	}
	num, err := conf.ParseNumber(n.Args[0])
	if err != nil || num == 0 {
		return conf.InvalidValue(n)
	}
	size, err := conf.ParseSize(n.Args[1])
	if err != nil || size == 0 {
		return conf.InvalidValue(n)
	}
	c.buffersNum = val[int]{v: num, set: true}
	c.buffersSize = val[int]{v: int(size), set: true}
	c.buffersNode = n
	return nil
}

func setNextTries(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	if c.nextTries.set {
		return conf.Duplicate(n)
	}
	v, err := conf.ParseNumber(n.Args[0])
	if err != nil {
		return conf.DirectiveError(n, "invalid number")
	}
	c.nextTries = val[int]{v: v, set: true}
	return nil
}

var nextMasks = []struct {
	name string
	mask NextUpstream
}{
	{"error", NextError},
	{"timeout", NextTimeout},
	{"invalid_header", NextInvalidHeader},
	{"http_500", NextHTTP500},
	{"http_502", NextHTTP502},
	{"http_503", NextHTTP503},
	{"http_504", NextHTTP504},
	{"http_403", NextHTTP403},
	{"http_404", NextHTTP404},
	{"http_429", NextHTTP429},
	{"updating", 0x00000800},
	{"non_idempotent", NextNonIdempotent},
	{"off", NextOff},
}

var ignoreMasks = []struct {
	name string
	mask IgnoreHeaders
}{
	{"X-Accel-Redirect", IgnoreXAccelRedirect},
	{"X-Accel-Expires", IgnoreXAccelExpires},
	{"X-Accel-Limit-Rate", IgnoreXAccelLimitRate},
	{"X-Accel-Buffering", IgnoreXAccelBuffering},
	{"X-Accel-Charset", IgnoreXAccelCharset},
	{"Expires", IgnoreExpires},
	{"Cache-Control", IgnoreCacheControl},
	{"Set-Cookie", IgnoreSetCookie},
	{"Vary", IgnoreVary},
}

// bitmask is nginx's ngx_conf_set_bitmask_slot: names (any case) to bits,
// a repeated name warned about, an unknown one an error.
func bitmask[T ~uint32](bl *conf.Block, n *conf.Node, dst *val[T], names func(string) (T, bool)) error {
	if dst.set {
		return conf.Duplicate(n)
	}
	var v T
	for _, a := range n.Args {
		m, ok := names(a)
		if !ok {
			return conf.Errorf(n, "invalid value \"%s\"", a)
		}
		if v&m != 0 {
			bl.B.Warnf(n, "duplicate value \"%s\"", a)
		}
		v |= m
	}
	*dst = val[T]{v: v, set: true}
	return nil
}

func setNextUpstream(bl *conf.Block, n *conf.Node) error {
	return bitmask(bl, n, &lc(bl).next, func(s string) (NextUpstream, bool) {
		for _, m := range nextMasks {
			if strings.EqualFold(m.name, s) {
				return m.mask, true
			}
		}
		return 0, false
	})
}

func setIgnoreHeaders(bl *conf.Block, n *conf.Node) error {
	return bitmask(bl, n, &lc(bl).ignore, func(s string) (IgnoreHeaders, bool) {
		for _, m := range ignoreMasks {
			if strings.EqualFold(m.name, s) {
				return m.mask, true
			}
		}
		return 0, false
	})
}

func setHideHeader(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	c.hide.v = append(c.hide.v, n.Args[0])
	c.hide.set = true
	return nil
}

func setPassHeader(bl *conf.Block, n *conf.Node) error {
	c := lc(bl)
	c.passHdr.v = append(c.passHdr.v, n.Args[0])
	c.passHdr.set = true
	return nil
}

// merge completes a level from its parent, nginx's
// ngx_http_proxy_merge_loc_conf.
func merge(parent, child any) error {
	p, c := parent.(*locConf), child.(*locConf)
	c.parent = p

	c.redirect.merge(p.redirect)
	if c.redirect.or(true) {
		if !c.redirectsSet {
			c.redirects = p.redirects
			if c.redirects == nil && c.pass != nil && c.pass.tpl == nil {
				r, err := DefaultRedirect(c.pass.url, c.pass.location)
				if err != nil {
					return err
				}
				c.redirects = []Rewrite{r}
			}
		}
	} else {
		c.redirects = nil
	}
	c.redirectsSet = true
	c.cookieDomain.merge(p.cookieDomain)
	c.cookiePath.merge(p.cookiePath)
	c.headers.merge(p.headers)
	c.body.merge(p.body)
	c.method.merge(p.method)
	c.http11.merge(p.http11)
	c.hide.merge(p.hide)
	c.passHdr.merge(p.passHdr)
	c.ignore.merge(p.ignore)
	c.next.merge(p.next)
	c.nextTries.merge(p.nextTries)
	c.nextTimeout.merge(p.nextTimeout)
	c.passHeaders.merge(p.passHeaders)
	c.passBody.merge(p.passBody)
	c.buffering.merge(p.buffering)
	c.requestBuffering.merge(p.requestBuffering)
	c.intercept.merge(p.intercept)
	c.socketKeepalive.merge(p.socketKeepalive)
	c.bufferSize.merge(p.bufferSize)
	c.busyBuffers.merge(p.busyBuffers)
	if !c.buffersNum.set {
		c.buffersNum, c.buffersSize, c.buffersNode = p.buffersNum, p.buffersSize, p.buffersNode
	}
	c.connectTimeout.merge(p.connectTimeout)
	c.sendTimeout.merge(p.sendTimeout)
	c.readTimeout.merge(p.readTimeout)

	num, size := c.buffersNum.or(8), c.buffersSize.or(4096)
	if num < 2 {
		return conf.Errorf(c.buffersNode, "there must be at least 2 \"proxy_buffers\"")
	}
	maxSize := max(c.bufferSize.or(4096), size)
	busy := c.busyBuffers.or(2 * maxSize)
	if busy < maxSize {
		return conf.Errorf(nil, "\"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\"")
	}
	if busy > (num-1)*size {
		return conf.Errorf(nil, "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer")
	}
	return nil
}

// options turns a merged level into Options.
func (c *locConf) options(p *passConf) Options {
	o := DefaultOptions()
	o.URL = p.url
	o.Location = p.location
	o.URLTemplate = p.tpl
	o.HTTP11 = c.http11.or(false)
	o.Method = c.method.or(nil)
	o.SetHeaders = c.headers.or(nil)
	o.PassRequestHeaders = c.passHeaders.or(true)
	o.PassRequestBody = c.passBody.or(true)
	o.Body = c.body.or(nil)
	o.Buffering = c.buffering.or(true)
	o.RequestBuffering = c.requestBuffering.or(true)
	o.BufferSize = c.bufferSize.or(4096)
	o.BuffersNum = c.buffersNum.or(8)
	o.BuffersSize = c.buffersSize.or(4096)
	o.InterceptErrors = c.intercept.or(false)
	o.NextUpstream = c.next.or(NextError | NextTimeout)
	if o.NextUpstream&NextOff != 0 {
		o.NextUpstream = NextOff
	}
	o.NextUpstreamTries = c.nextTries.or(0)
	o.NextUpstreamTimeout = c.nextTimeout.or(0)
	o.ConnectTimeout = c.connectTimeout.or(60 * time.Second)
	o.SendTimeout = c.sendTimeout.or(60 * time.Second)
	o.ReadTimeout = c.readTimeout.or(60 * time.Second)
	o.SocketKeepalive = c.socketKeepalive.or(false)
	o.Redirects = c.redirects
	o.CookieDomains = c.cookieDomain.or(nil)
	o.CookiePaths = c.cookiePath.or(nil)
	o.HideHeaders = c.hide.or(nil)
	o.PassHeaders = c.passHdr.or(nil)
	o.IgnoreHeaders = c.ignore.or(0)
	return o
}

// apply installs the proxy handler into locations with a proxy_pass of
// their own, and into if and limit_except blocks of such locations.
func apply(b *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*locConf)
	p := c.pass
	if p == nil && c.parent != nil && (loc.Match == gateway.MatchIf || loc.Match == gateway.MatchLimitExcept) {
		p = c.parent.effective
	}
	c.effective = p
	if p == nil {
		return nil
	}
	if !p.resolved && p.tgt != nil {
		hostport := p.tgt.written
		u, err := upstream.Implicit(b, p.node, hostport)
		if err != nil {
			return err
		}
		p.tgt.up = u
	}
	p.resolved = true
	h, err := newHandler(c.options(p), p.tgt)
	if err != nil {
		return conf.Errorf(p.node, "%v", err)
	}
	loc.Content = h
	if c.pass != nil && strings.HasSuffix(loc.Name, "/") &&
		(loc.Match == gateway.MatchPrefix || loc.Match == gateway.MatchPrefixNoRegex) {
		loc.AutoRedirect = true
	}
	return nil
}
