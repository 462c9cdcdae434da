package dyn

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// The control-plane directives of njet_ctrl.conf:
//
//	http {
//	    config_req_pool_size 1000;
//	    server {
//	        listen 8081;
//	        location /api { dyn_module_api; }
//	        location /doc { doc_api; }
//	    }
//	}

// defaultPoolSize is OpenNJet's config_req_pool_size default.
const defaultPoolSize = 500

type locConf struct {
	api  bool
	doc  bool
	pool int // config_req_pool_size; 0 = unset
}

var mod = &conf.Module{
	Name:    "dyn",
	NewConf: func() any { return &locConf{} },
	Merge: func(parent, child any) error {
		p, c := parent.(*locConf), child.(*locConf)
		if c.pool == 0 {
			c.pool = p.pool
		}
		return nil
	},
	Apply: apply,
}

func init() {
	mod.Directives = []conf.Directive{
		{Name: "dyn_module_api", Context: conf.Location, Args: conf.NoArgs, Set: setAPI},
		// config_api is the name older OpenNJet builds used.
		{Name: "config_api", Context: conf.Location, Args: conf.NoArgs, Set: setAPI},
		{Name: "doc_api", Context: conf.Location, Args: conf.NoArgs, Set: func(bl *conf.Block, n *conf.Node) error {
			bl.Conf(mod).(*locConf).doc = true
			return nil
		}},
		{Name: "config_req_pool_size", Context: conf.HTTP, Args: conf.Take1, Set: func(bl *conf.Block, n *conf.Node) error {
			v, err := conf.ParseNumber(n.Args[0])
			if err != nil || v <= 0 {
				return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
			}
			bl.Conf(mod).(*locConf).pool = v
			return nil
		}},
	}
	conf.Register(mod)
}

func setAPI(bl *conf.Block, n *conf.Node) error {
	bl.Conf(mod).(*locConf).api = true
	return nil
}

func apply(_ *conf.Builder, loc *gateway.Location, v any) error {
	c := v.(*locConf)
	pool := c.pool
	if pool == 0 {
		pool = defaultPoolSize
	}
	switch {
	case c.api:
		loc.Content = &apiHandler{prefix: locPrefix(loc), slots: make(chan struct{}, pool)}
	case c.doc:
		loc.Content = &docHandler{prefix: locPrefix(loc)}
	}
	return nil
}

// locPrefix is the part of the URI the location owns, stripped before
// dispatching ("/api" of "/api/v1/config").
func locPrefix(loc *gateway.Location) string {
	switch loc.Match {
	case gateway.MatchPrefix, gateway.MatchPrefixNoRegex, gateway.MatchExact:
		return strings.TrimSuffix(loc.Name, "/")
	}
	return ""
}

// apiHandler serves dyn_module_api: it turns the request into a net/http
// one for the chi router of the default runtime's modules.
type apiHandler struct {
	prefix string
	// slots bounds the requests in progress (config_req_pool_size); a
	// request that finds none free gets 500 server error, as OpenNJet.
	slots chan struct{}

	mu  sync.Mutex
	rt  *Runtime
	api *API
}

// current returns the API over the default runtime, built once per
// runtime (modules register in init, so the set is fixed by then).
func (h *apiHandler) current() *API {
	rt := Default()
	if rt == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rt != rt {
		h.rt, h.api = rt, NewAPI(rt)
	}
	return h.api
}

func (h *apiHandler) Handle(c *gateway.Ctx) gateway.Result {
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		return sendRecorded(c, serverErrorRecorder())
	}
	api := h.current()
	if api == nil {
		return sendRecorded(c, serverErrorRecorder())
	}
	r := toHTTP(c, strings.TrimPrefix(c.URI, h.prefix))
	rec := newRecorder()
	api.ServeHTTP(rec, r)
	return sendRecorded(c, rec)
}

func serverErrorRecorder() *recorder {
	rec := newRecorder()
	ServerError(rec)
	return rec
}

// toHTTP makes the net/http request the chi router reads; path is the
// URI below the location.
func toHTTP(c *gateway.Ctx, path string) *http.Request {
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	u := &url.URL{Path: path, RawQuery: c.Args}
	var body = c.Req.Body
	if body == nil {
		body = gateway.NoBody
	}
	r, _ := http.NewRequestWithContext(context.Background(), c.Method, "/", body)
	r.URL = u
	r.RequestURI = c.Req.RequestURI
	r.ContentLength = c.Req.ContentLength
	r.Host = c.Host
	r.RemoteAddr = c.Req.Conn.RemoteAddr
	for _, f := range c.Req.Header.Fields() {
		r.Header.Add(f.Name, f.Value)
	}
	return r
}

// recorder collects a handler's answer; control-plane answers are small,
// so they are sent with a Content-Length once complete.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	page   int // StatusPage: finish with nginx's page for this status
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func sendRecorded(c *gateway.Ctx, rec *recorder) gateway.Result {
	if rec.page != 0 {
		return gateway.Status(rec.page)
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	for name, vals := range rec.header {
		switch http.CanonicalHeaderKey(name) {
		case "Content-Length", "Content-Type":
			continue
		}
		for _, v := range vals {
			c.RespHeader.Add(name, v)
		}
	}
	body := rec.body.Bytes()
	if status == http.StatusNoContent || status == http.StatusNotModified {
		c.Status = status
		c.SendHeader()
		return gateway.Done()
	}
	return c.Send(status, rec.header.Get("Content-Type"), body)
}
