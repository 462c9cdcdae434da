package gzip

import (
	"regexp"
	"strings"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// unset marks a setting a level did not give, as nginx's NGX_CONF_UNSET.
const unset = -1

// gzipConf is the module's configuration of one level. Numbers hold
// unset until a directive sets them; Merge fills them from the parent.
type gzipConf struct {
	enable    int
	level     int
	minLength int64
	bufNum    int64
	bufSize   int64
	// types is nil until gzip_types appears; it then starts with
	// text/html, as nginx's list does. anyType is gzip_types *.
	types   []string
	anyType bool

	vary        int
	httpVersion int
	proxied     Proxied
	// disable is nil until gzip_disable gives a pattern; msie6 is unset
	// until it gives "msie6". They inherit separately, as in nginx.
	disable []*regexp.Regexp
	msie6   int

	// accepted for compatibility; they only need duplicate checks
	window, hash, postpone int64
	noBuffer               int

	neg Negotiation
}

func newConf() any {
	return &gzipConf{
		enable: unset, level: unset, minLength: unset, vary: unset,
		httpVersion: unset, msie6: unset, window: unset, hash: unset,
		postpone: unset, noBuffer: unset,
	}
}

// mod is the module's registration, the key to its configuration.
var mod *conf.Module

const (
	everyLevel = conf.HTTP | conf.Server | conf.Location
)

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "gzip",
		NewConf: newConf,
		Merge:   merge,
		Apply:   apply,
		Finish:  finish,
		Directives: []conf.Directive{
			{Name: "gzip", Context: everyLevel | conf.LocationIf, Args: conf.Flag, Set: flagSetter(func(c *gzipConf) *int { return &c.enable })},
			{Name: "gzip_buffers", Context: everyLevel, Args: conf.Take2, Set: setBuffers},
			{Name: "gzip_types", Context: everyLevel, Args: conf.OneOrMore, Set: setTypes},
			{Name: "gzip_comp_level", Context: everyLevel, Args: conf.Take1, Set: setLevel},
			{Name: "gzip_window", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *gzipConf) *int64 { return &c.window }, checkWindow)},
			{Name: "gzip_hash", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *gzipConf) *int64 { return &c.hash }, checkHash)},
			{Name: "postpone_gzipping", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *gzipConf) *int64 { return &c.postpone }, nil)},
			{Name: "gzip_no_buffer", Context: everyLevel, Args: conf.Flag, Set: flagSetter(func(c *gzipConf) *int { return &c.noBuffer })},
			{Name: "gzip_min_length", Context: everyLevel, Args: conf.Take1, Set: sizeSetter(func(c *gzipConf) *int64 { return &c.minLength }, nil)},
			// nginx declares these in its core module, for gzip_static
			// and gunzip as well
			{Name: "gzip_vary", Context: everyLevel, Args: conf.Flag, Set: flagSetter(func(c *gzipConf) *int { return &c.vary })},
			{Name: "gzip_http_version", Context: everyLevel, Args: conf.Take1, Set: setHTTPVersion},
			{Name: "gzip_proxied", Context: everyLevel, Args: conf.OneOrMore, Set: setProxied},
			{Name: "gzip_disable", Context: everyLevel, Args: conf.OneOrMore, Set: setDisable},
		},
	})
}

func merge(parent, child any) error {
	p, c := parent.(*gzipConf), child.(*gzipConf)
	mergeInt(&c.enable, p.enable, 0)
	mergeInt(&c.level, p.level, 1)
	mergeInt64(&c.minLength, p.minLength, 20)
	if c.bufNum == 0 {
		c.bufNum, c.bufSize = p.bufNum, p.bufSize
	}
	if c.types == nil && !c.anyType {
		c.types, c.anyType = p.types, p.anyType
	}
	mergeInt(&c.vary, p.vary, 0)
	mergeInt(&c.httpVersion, p.httpVersion, HTTP11)
	if c.proxied == 0 {
		c.proxied = p.proxied
	}
	if c.disable == nil {
		c.disable = p.disable
	}
	mergeInt(&c.msie6, p.msie6, 0)
	mergeInt64(&c.window, p.window, 32<<10)
	mergeInt64(&c.hash, p.hash, 64<<10)
	mergeInt64(&c.postpone, p.postpone, 0)
	mergeInt(&c.noBuffer, p.noBuffer, 0)
	return nil
}

func mergeInt(v *int, parent, def int) {
	if *v == unset {
		*v = parent
		if *v == unset {
			*v = def
		}
	}
}

func mergeInt64(v *int64, parent, def int64) {
	if *v == unset {
		*v = parent
		if *v == unset {
			*v = def
		}
	}
}

// installed lists, per build, the filters apply added, so that finish
// can move them behind the other modules' filters.
type installed struct {
	entries []installEntry
}

type installEntry struct {
	loc *gateway.Location
	f   *Filter
}

func apply(b *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*gzipConf)
	c.neg = Negotiation{
		Vary:           c.vary == 1,
		MinHTTPVersion: c.httpVersion,
		Proxied:        c.proxied,
		Disable:        c.disable,
		DisableMSIE6:   c.msie6 == 1,
	}
	SetNegotiation(loc, &c.neg)
	if c.enable != 1 {
		return nil
	}
	f, err := New(Config{
		Negotiation: c.neg,
		Level:       c.level,
		MinLength:   c.minLength,
		Types:       c.types,
		AnyType:     c.anyType,
		BufferSize:  int(c.bufSize),
	})
	if err != nil {
		return err
	}
	f.Install(loc)
	st := b.State("gzip", func() any { return &installed{} }).(*installed)
	st.entries = append(st.entries, installEntry{loc, f})
	return nil
}

// finish moves each gzip filter to the end of its location's header and
// body filters. nginx runs its gzip header filter after add_header,
// expires and the other content filters, so that gzip_proxied sees their
// Expires and Cache-Control, and compresses what the other body filters
// (sub_filter, addition) produce.
func finish(b *conf.Builder) error {
	st := b.State("gzip", func() any { return &installed{} }).(*installed)
	for _, e := range st.entries {
		e.loc.HeaderFilters = moveLast(e.loc.HeaderFilters, gateway.HeaderFilter(e.f))
		e.loc.BodyFilters = moveLast(e.loc.BodyFilters, gateway.BodyFilter(e.f))
	}
	return nil
}

// moveLast returns a new slice holding s without x, then x.
func moveLast[T comparable](s []T, x T) []T {
	out := make([]T, 0, len(s))
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return append(out, x)
}

// flagSetter is nginx's ngx_conf_set_flag_slot.
func flagSetter(field func(*gzipConf) *int) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		p := field(bl.Conf(mod).(*gzipConf))
		if *p != unset {
			return conf.Duplicate(n)
		}
		on, err := conf.Flag(n)
		if err != nil {
			return err
		}
		*p = 0
		if on {
			*p = 1
		}
		return nil
	}
}

// sizeSetter is nginx's ngx_conf_set_size_slot with an optional check
// of the value (its post handler).
func sizeSetter(field func(*gzipConf) *int64, check func(int64) string) func(*conf.Block, *conf.Node) error {
	return func(bl *conf.Block, n *conf.Node) error {
		p := field(bl.Conf(mod).(*gzipConf))
		if *p != unset {
			return conf.Duplicate(n)
		}
		v, err := conf.ParseSize(n.Args[0])
		if err != nil {
			return conf.InvalidValue(n)
		}
		if check != nil {
			if msg := check(v); msg != "" {
				return conf.DirectiveError(n, msg)
			}
		}
		*p = v
		return nil
	}
}

// checkWindow accepts the zlib window sizes. Go's deflate always uses a
// 32k window, so the value only has to be valid.
func checkWindow(v int64) string {
	if powerOfTwoIn(v, 512, 32<<10) {
		return ""
	}
	return "must be 512, 1k, 2k, 4k, 8k, 16k, or 32k"
}

// checkHash accepts the zlib hash (memory level) sizes.
func checkHash(v int64) string {
	if powerOfTwoIn(v, 512, 128<<10) {
		return ""
	}
	return "must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k"
}

func powerOfTwoIn(v, lo, hi int64) bool {
	for s := hi; s >= lo; s >>= 1 {
		if v == s {
			return true
		}
	}
	return false
}

// setBuffers is nginx's ngx_conf_set_bufs_slot: "gzip_buffers 32 4k".
func setBuffers(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	if c.bufNum != 0 {
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
	c.bufNum, c.bufSize = int64(num), size
	return nil
}

// setLevel is nginx's ngx_conf_set_num_slot with bounds 1..9.
func setLevel(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	if c.level != unset {
		return conf.Duplicate(n)
	}
	v, err := conf.ParseNumber(n.Args[0])
	if err != nil {
		return conf.DirectiveError(n, "invalid number")
	}
	if v < 1 || v > 9 {
		return conf.Errorf(n, "value must be between 1 and 9")
	}
	c.level = v
	return nil
}

// setTypes is nginx's ngx_http_types_slot: the list starts with
// text/html, grows with each gzip_types of the level, and "*" makes it
// "any type" for good.
func setTypes(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	if c.anyType {
		return nil
	}
	if c.types == nil {
		c.types = []string{"text/html"}
	}
next:
	for _, a := range n.Args {
		if a == "*" {
			c.types, c.anyType = nil, true
			return nil
		}
		t := strings.ToLower(a)
		for _, have := range c.types {
			if have == t {
				bl.B.Warnf(n, "duplicate MIME type \"%s\"", t)
				continue next
			}
		}
		c.types = append(c.types, t)
	}
	return nil
}

// setHTTPVersion is nginx's ngx_conf_set_enum_slot over "1.0" and "1.1".
func setHTTPVersion(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	if c.httpVersion != unset {
		return conf.Duplicate(n)
	}
	switch n.Args[0] {
	case "1.0":
		c.httpVersion = HTTP10
	case "1.1":
		c.httpVersion = HTTP11
	default:
		return conf.Errorf(n, "invalid value \"%s\"", n.Args[0])
	}
	return nil
}

// setProxied is nginx's ngx_conf_set_bitmask_slot: keywords add up, also
// across several gzip_proxied directives of a level.
func setProxied(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	for _, a := range n.Args {
		found := false
		for _, p := range proxiedNames {
			if !strings.EqualFold(a, p.name) {
				continue
			}
			found = true
			if c.proxied&p.bit != 0 {
				bl.B.Warnf(n, "duplicate value \"%s\"", a)
			}
			c.proxied |= p.bit
			break
		}
		if !found {
			return conf.Errorf(n, "invalid value \"%s\"", a)
		}
	}
	return nil
}

// setDisable is nginx's gzip_disable: "msie6" or case-insensitive
// regular expressions matched against User-Agent.
func setDisable(bl *conf.Block, n *conf.Node) error {
	c := bl.Conf(mod).(*gzipConf)
	if c.disable == nil {
		c.disable = []*regexp.Regexp{}
	}
	for _, a := range n.Args {
		if a == "msie6" {
			c.msie6 = 1
			continue
		}
		re, err := conf.CompileRegex(a, true)
		if err != nil {
			return conf.Errorf(n, "%v", err)
		}
		c.disable = append(c.disable, re)
	}
	return nil
}
