package gzip

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/gonjet/gonjet/gateway"
)

// Config is the gzip configuration of one location. Start from
// DefaultConfig, which holds nginx's defaults.
type Config struct {
	// Negotiation decides whether the client takes gzip.
	Negotiation
	// Level is the compression level, 1 (fastest) to 9 (smallest).
	Level int
	// MinLength: a response whose Content-Length is known and smaller is
	// sent as it is. Responses of unknown length are always compressed.
	MinLength int64
	// Types lists the MIME types (without parameters, any case) to
	// compress besides text/html, which is always compressed.
	Types []string
	// AnyType compresses responses whatever their Content-Type, even
	// without one (gzip_types *).
	AnyType bool
	// BufferSize is the size of the pieces compressed output is passed
	// on in (the size half of gzip_buffers); 0 means the memory page size.
	BufferSize int
}

// DefaultConfig returns nginx's defaults: level 1, minimum length 20,
// text/html only, HTTP/1.1 and later, no compression for proxied
// requests, no Vary.
func DefaultConfig() Config {
	return Config{Level: 1, MinLength: 20}
}

// Filter compresses the responses of a location. It is both the header
// filter that decides, per response, whether to compress, and the body
// filter that does it; Install adds it to a location in both roles.
// A Filter is built once per configuration and safe for concurrent use.
type Filter struct {
	neg       Negotiation
	level     int
	minLength int64
	// types is the set of lower-case MIME types to compress; nil with
	// anyType.
	types   map[string]struct{}
	anyType bool
	bufPool *sync.Pool
}

// New checks cfg and builds the filter.
func New(cfg Config) (*Filter, error) {
	if cfg.Level < 1 || cfg.Level > 9 {
		return nil, fmt.Errorf("gzip: level %d is not between 1 and 9", cfg.Level)
	}
	f := &Filter{
		neg:       cfg.Negotiation,
		level:     cfg.Level,
		minLength: cfg.MinLength,
		anyType:   cfg.AnyType,
	}
	size := cfg.BufferSize
	if size <= 0 {
		size = os.Getpagesize()
	}
	f.bufPool = bufferPool(size)
	if !f.anyType {
		f.types = map[string]struct{}{"text/html": {}}
		for _, t := range cfg.Types {
			f.types[strings.ToLower(t)] = struct{}{}
		}
	}
	return f, nil
}

// Install appends f to the header and body filters of loc.
func (f *Filter) Install(loc *gateway.Location) {
	// fresh slices: a level may share its parent's backing arrays
	loc.HeaderFilters = append(loc.HeaderFilters[:len(loc.HeaderFilters):len(loc.HeaderFilters)], f)
	loc.BodyFilters = append(loc.BodyFilters[:len(loc.BodyFilters):len(loc.BodyFilters)], f)
}

// stateKey keeps the compressing body writer of a request between the
// header filter, the body filter and $gzip_ratio.
var stateKey = gateway.NewCtxKey()

// FilterHeader decides whether the response is compressed and, if so,
// adjusts its header: Content-Encoding: gzip, no Content-Length nor
// Accept-Ranges, a weak ETag. It adds Vary: Accept-Encoding when
// gzip_vary is on and the response could be compressed.
func (f *Filter) FilterHeader(c *gateway.Ctx) {
	h := &c.RespHeader
	if !f.eligible(c) {
		return
	}
	if f.neg.Vary {
		addVary(h)
	}
	if !f.neg.OK(c) {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	weakenETag(h)
	c.SetData(stateKey, &stream{f: f})
}

// eligible is the part of the decision that depends on the response
// only: status, encoding, length and type.
func (f *Filter) eligible(c *gateway.Ctx) bool {
	// a subrequest's body is part of the including response, which is
	// compressed as a whole (nginx's ngx_http_gzip_ok declines r != main)
	if c.IsSubrequest() {
		return false
	}
	if c.Status != 200 && c.Status != 403 && c.Status != 404 {
		return false
	}
	h := &c.RespHeader
	if ce, ok := h.Lookup("Content-Encoding"); ok && ce != "" {
		return false
	}
	if cl, ok := h.Lookup("Content-Length"); ok {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n < f.minLength {
			return false
		}
	}
	return f.typeOK(h.Get("Content-Type"))
}

// typeOK matches the Content-Type against the configured types. As in
// nginx, parameters are ignored only when they start with charset=, so
// "text/html; charset=utf-8" is text/html but "text/html; q=1" is not.
func (f *Filter) typeOK(ct string) bool {
	if f.anyType {
		return true
	}
	if ct == "" {
		return false
	}
	ct = mediaType(ct)
	if _, ok := f.types[ct]; ok {
		return true
	}
	if hasUpper(ct) {
		_, ok := f.types[strings.ToLower(ct)]
		return ok
	}
	return false
}

// mediaType cuts a Content-Type at the ';' of a charset parameter, as
// nginx does for types it did not set itself.
func mediaType(ct string) string {
	for i := 0; i < len(ct); i++ {
		if ct[i] != ';' {
			continue
		}
		rest := strings.TrimLeft(ct[i+1:], " ")
		if rest == "" {
			break
		}
		if len(rest) >= 8 && strings.EqualFold(rest[:8], "charset=") {
			return ct[:i]
		}
	}
	return ct
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// addVary puts "Vary: Accept-Encoding" before the other fields, where
// nginx writes it: after the fields the core sends first (Server, Date,
// Content-Type, ...), before those handlers and filters added.
func addVary(h *gateway.Header) {
	old := h.Clone()
	h.Reset()
	h.Add("Vary", "Accept-Encoding")
	for _, f := range old.Fields() {
		h.Add(f.Name, f.Value)
	}
}

// weakenETag makes a strong entity tag weak, since the compressed bytes
// differ from those it names; a malformed one is dropped.
func weakenETag(h *gateway.Header) {
	etag, ok := h.Lookup("ETag")
	if !ok || len(etag) > 2 && etag[0] == 'W' && etag[1] == '/' {
		return
	}
	if etag == "" || etag[0] != '"' {
		h.Del("ETag")
		return
	}
	h.Set("ETag", "W/"+etag)
}

// WrapBody returns the compressing writer when the header filter chose
// to compress this response, next otherwise.
func (f *Filter) WrapBody(c *gateway.Ctx, next gateway.BodyWriter) gateway.BodyWriter {
	s, _ := c.Data(stateKey).(*stream)
	if s == nil || s.f != f || s.started {
		return next
	}
	s.start(next)
	return s
}

// Ratio is $gzip_ratio: the original size divided by the compressed size
// (gzip header and trailer included) with two decimals, rounded half up
// as nginx does ("2.125" reads "2.13"). It is not found until a
// compressed response is complete.
func Ratio(c *gateway.Ctx) (string, bool) {
	s, _ := c.Data(stateKey).(*stream)
	if s == nil || s.zout == 0 {
		return "", false
	}
	return formatRatio(s.zin, s.zout), true
}

func formatRatio(zin, zout int64) string {
	whole := zin / zout
	frac := zin * 100 / zout % 100
	if zin*1000/zout%10 > 4 {
		frac++
		if frac > 99 {
			whole++
			frac = 0
		}
	}
	b := strconv.AppendInt(make([]byte, 0, 24), whole, 10)
	b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	return string(b)
}

// negKey stores a location's Negotiation for NegotiationOf.
var negKey = gateway.NewExtKey()

var defaultNegotiation = &Negotiation{}

// NegotiationOf returns the gzip_vary, gzip_http_version, gzip_proxied
// and gzip_disable settings of loc, whether or not gzip is on there:
// handlers that send precompressed content use them. A location the
// configuration adapter did not build gets the defaults.
func NegotiationOf(loc *gateway.Location) *Negotiation {
	if n, ok := loc.ExtValue(negKey).(*Negotiation); ok {
		return n
	}
	return defaultNegotiation
}

// SetNegotiation records n as loc's settings for NegotiationOf.
func SetNegotiation(loc *gateway.Location, n *Negotiation) { loc.SetExt(negKey, n) }

func init() {
	gateway.RegisterVar(gateway.Var{Name: "gzip_ratio", Get: Ratio})
}
