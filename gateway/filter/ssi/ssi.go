package ssi

import (
	"fmt"
	"io"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// Config is the SSI configuration of one location. Start from
// DefaultConfig, which holds nginx's defaults.
type Config struct {
	// Types lists the MIME types (without parameters, any case) to
	// process besides text/html, which is always processed.
	Types []string
	// AnyType processes responses whatever their Content-Type
	// (ssi_types *).
	AnyType bool
	// SilentErrors leaves out the error message ("[an error occurred
	// while processing the directive]") where a command fails.
	SilentErrors bool
	// ValueLength is the longest parameter value a command may have;
	// longer ones make the command fail.
	ValueLength int
	// LastModified keeps the Last-Modified header of the original
	// response and makes its ETag weak; by default both are removed,
	// since the page changes with what it includes.
	LastModified bool
}

// DefaultConfig returns nginx's defaults: text/html only, errors shown,
// values up to 255 bytes, Last-Modified and ETag removed.
func DefaultConfig() Config {
	return Config{ValueLength: 255}
}

// Filter processes server-side includes in the responses of a location.
// It is both the header filter that decides, per response, whether to
// process the body and the body filter that does it; Install adds it to
// a location in both roles. A Filter is built once per configuration and
// is safe for concurrent use.
type Filter struct {
	types        map[string]struct{}
	anyType      bool
	silentErrors bool
	valueLen     int
	lastModified bool
}

// New checks cfg and builds the filter.
func New(cfg Config) (*Filter, error) {
	if cfg.ValueLength <= 0 {
		return nil, fmt.Errorf("ssi: value length %d is not positive", cfg.ValueLength)
	}
	f := &Filter{
		anyType:      cfg.AnyType,
		silentErrors: cfg.SilentErrors,
		valueLen:     cfg.ValueLength,
		lastModified: cfg.LastModified,
	}
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

// reqKey keeps the SSI state of a request between the header filter, the
// body filter and $date_local / $date_gmt.
var reqKey = gateway.NewCtxKey()

// FilterHeader decides whether the body is processed: SSI must be on
// (the filter is installed), the Content-Type one of the configured
// types, and the body not known to be empty. For a main request it then
// removes Content-Length and Accept-Ranges, since the length changes,
// and Last-Modified and ETag (or, with LastModified, makes the ETag weak).
// As in nginx, the status does not matter: error pages are processed too.
func (f *Filter) FilterHeader(c *gateway.Ctx) {
	h := &c.RespHeader
	var ms *mainState
	if c.IsSubrequest() {
		if s, ok := c.SubrequestOutput().(*sink); ok {
			// an include of an SSI page: it shares the page's variables
			// and blocks, and may output a stub through this filter
			ms = s.ms
			s.sub, s.subFilter = c, f
		}
	}
	if cl, ok := h.Lookup("Content-Length"); ok && strings.TrimSpace(cl) == "0" {
		return
	}
	if !f.typeOK(h.Get("Content-Type")) {
		return
	}
	if ms == nil {
		ms = &mainState{}
	}
	c.SetData(reqKey, newReqState(f, ms))
	if c.IsSubrequest() {
		return
	}
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	if !f.lastModified {
		h.Del("Last-Modified")
		h.Del("ETag")
	} else {
		weakenETag(h)
	}
}

// WrapBody returns the processing writer when the header filter chose to
// process this response, next otherwise.
func (f *Filter) WrapBody(c *gateway.Ctx, next gateway.BodyWriter) gateway.BodyWriter {
	rs, _ := c.Data(reqKey).(*reqState)
	if rs == nil || rs.f != f || rs.started {
		return next
	}
	rs.started = true
	return newWriter(c, rs, next)
}

// typeOK matches the Content-Type against the configured types; as in
// nginx, a charset parameter is ignored.
func (f *Filter) typeOK(ct string) bool {
	if f.anyType {
		return true
	}
	if ct == "" {
		return false
	}
	_, ok := f.types[strings.ToLower(mediaType(ct))]
	return ok
}

// mediaType cuts a Content-Type at the ';' of a charset parameter, which
// is where nginx's content type ends for types it did not set itself.
func mediaType(ct string) string {
	for i := 0; i < len(ct); i++ {
		if ct[i] != ';' {
			continue
		}
		rest := strings.TrimLeft(ct[i+1:], " ")
		if len(rest) >= 8 && strings.EqualFold(rest[:8], "charset=") {
			return strings.TrimRight(ct[:i], " ")
		}
		break
	}
	return ct
}

// weakenETag is nginx's ngx_http_weak_etag: a strong tag becomes weak, a
// malformed one is dropped.
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

// Conditional states of a request, nginx's NGX_HTTP_SSI_COND_*.
const (
	condNone = iota
	condIf   // after if or elif
	condElse // after else
)

// Echo encodings.
const (
	encNone = iota
	encURL
	encEntity
)

// defaultErrMsg is printed where a command fails, unless
// ssi_silent_errors is on or "config errmsg" changed it.
const defaultErrMsg = "[an error occurred while processing the directive]"

// defaultTimeFmt is the strftime format of $date_local and $date_gmt
// until "config timefmt" changes it.
const defaultTimeFmt = "%A, %d-%b-%Y %H:%M:%S %Z"

// reqState is the SSI state of one request (the page or one of its
// includes): what "config" set, the echo encoding, and where the
// document is in if/else and block/endblock.
type reqState struct {
	f        *Filter
	ms       *mainState
	started  bool
	timefmt  string
	errmsg   string
	encoding int

	output       bool
	outputChosen bool
	conditional  int
	block        bool
}

func newReqState(f *Filter, ms *mainState) *reqState {
	return &reqState{f: f, ms: ms, timefmt: defaultTimeFmt, errmsg: defaultErrMsg, encoding: encEntity, output: true}
}

// mainState is what a page shares with all it includes, as nginx keeps
// it in the main request: the variables of set and include set=, regex
// captures of if, and the named blocks.
type mainState struct {
	vars    map[string]string
	capSubj string
	capIdx  []int
	ncap    int
	blocks  []block
}

// block is the content of a block/endblock pair: text, and the commands
// it contains written back as text to run when the block is output.
type block struct {
	name    string
	content []byte
}

func (ms *mainState) setVar(name, value string) {
	if ms.vars == nil {
		ms.vars = make(map[string]string, 4)
	}
	ms.vars[name] = value
}

func (ms *mainState) findBlock(name string) *block {
	for i := range ms.blocks {
		if ms.blocks[i].name == name {
			return &ms.blocks[i]
		}
	}
	return nil
}

// sink is the writer an include's subrequest writes its body to. It
// carries the page's shared state into the subrequest, where the SSI
// filter of the included location finds it with SubrequestOutput.
type sink struct {
	out io.Writer
	ms  *mainState
	// sub and subFilter are the subrequest and its location's SSI
	// filter, set when that location has SSI on: a stub replacing the
	// subrequest's answer is processed by them, as in nginx.
	sub       *gateway.Ctx
	subFilter *Filter
}

func (s *sink) Write(p []byte) (int, error) { return s.out.Write(p) }
