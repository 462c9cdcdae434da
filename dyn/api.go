package dyn

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/gateway"
)

// MaxBody is the largest request body the control plane reads: OpenNJet
// accepts at most 5 MiB.
const MaxBody = 5 << 20

// OpenNJet's standard result codes of the rpc-result envelope
// {"code":N,"msg":"..."}.
const (
	CodeSuccess        = 0
	CodePartialSuccess = 1
	CodeMemAlloc       = 2
	CodeInvalidJSON    = 3
	CodeUpdateError    = 4
	CodeOther          = 5
)

// Standard messages of the result codes.
const (
	MsgSuccess        = "success."
	MsgPartialSuccess = "partial success."
	MsgMemAlloc       = "mem alloc error happened."
	MsgInvalidJSON    = "invalid json format."
	MsgUpdateError    = "update dyn conf error."
	MsgOther          = "other errors."
)

// Texts of the control plane's own answers, byte for byte OpenNJet's.
const (
	msgNotRegistered = " not register api module"
	msgNotFound      = "not found error"
	msgBadBody       = "Request body should be a valid JSON object and less than 5MB"
	msgServerError   = "server error"
	msgNoRPC         = `{"code":-1, "msg":"no rpc handler registered"}`
)

// Result is OpenNJet's rpc-result envelope. Data, when present, lists
// one error text per failed object, prefixed with its path.
type Result struct {
	Code int      `json:"code"`
	Msg  string   `json:"msg"`
	Data []string `json:"data,omitempty"`
}

// Reply writes {"code":code,"msg":msg} with status as application/json,
// byte for byte as OpenNJet does.
func Reply(w http.ResponseWriter, status, code int, msg string) {
	WriteJSON(w, status, Result{Code: code, Msg: msg})
}

// ReplyResult writes an rpc-result envelope with its data list.
func ReplyResult(w http.ResponseWriter, status int, r Result) { WriteJSON(w, status, r) }

// Success writes 200 {"code":0,"msg":"success."}.
func Success(w http.ResponseWriter) { Reply(w, http.StatusOK, CodeSuccess, MsgSuccess) }

// WriteJSON writes v as compact JSON with status; HTML characters are not
// escaped, as OpenNJet's serializer does not.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := Marshal(v)
	if err != nil {
		WriteRaw(w, http.StatusInternalServerError, "application/json", []byte(`{"code":500,"msg":"server error"}`))
		return
	}
	WriteRaw(w, status, "application/json", body)
}

// Marshal encodes v as compact JSON without HTML escaping and without a
// trailing newline.
func Marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// WriteRaw writes body with status and content type (none when ctype is
// empty) and an exact Content-Length.
func WriteRaw(w http.ResponseWriter, status int, ctype string, body []byte) {
	h := w.Header()
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// StatusPage finishes the request with nginx's standard answer for
// status (the small HTML error page; error_page of the control-plane
// location applies), as OpenNJet's modules do when they decline a
// request. Outside the gateway the page is written directly.
func StatusPage(w http.ResponseWriter, status int) {
	if rec, ok := w.(*recorder); ok {
		rec.page = status
		return
	}
	title := strconv.Itoa(status) + " " + gateway.StatusText(status)
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>" + gateway.Software + "</center>\r\n</body>\r\n</html>\r\n"
	WriteRaw(w, status, "text/html", []byte(body))
}

// NotFound answers 404 {"code":404,"msg":"not found error"}: a known
// module asked with a path or method it does not serve.
func NotFound(w http.ResponseWriter) { Reply(w, http.StatusNotFound, 404, msgNotFound) }

// ServerError answers 500 {"code":500,"msg":"server error"}.
func ServerError(w http.ResponseWriter) {
	Reply(w, http.StatusInternalServerError, 500, msgServerError)
}

// ErrBodyTooLarge is returned by ReadBody for a body over MaxBody.
var ErrBodyTooLarge = errors.New("request body too large")

// ReadBody reads the request body, at most MaxBody bytes.
func ReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// ConfigBody reads the body of a PUT /api/v1/config/<module> as OpenNJet's
// config API does: it must be 2 bytes to 5 MiB, else the answer is 400
// {"code":400,"msg":"Request body should be a valid JSON object and less
// than 5MB"} (written here; ok is false). Whether the bytes are JSON is
// the module's to say: OpenNJet's modules answer malformed JSON with their
// own code-3 message.
func ConfigBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	b, err := ReadBody(r)
	if err != nil || len(b) < 2 {
		Reply(w, http.StatusBadRequest, 400, msgBadBody)
		return nil, false
	}
	return b, true
}

// kvModuleList is the OpenNJet module that answers GET /api/v1/config.
const kvModuleList = "njt_http_kv_module"

// configOrder is the order in which OpenNJet v3.3.0 lists its dynamic
// config modules (module load order); modules it does not know follow,
// sorted by name.
var configOrder = []string{
	"njt_http_kv_module", "http_split_clients_2", "http_log", "http_dyn_bwlist",
	"http_vts", "http_dyn_map", "http_dyn_limit", "http_dyn_header", "proxy_pass",
	"dyn_upstream", "http_dyn_fault_inject", "http_dyn_auth",
}

var (
	cfgMu    sync.RWMutex
	cfgNames = map[string]bool{}
)

// RegisterConfigName adds name to the module list of GET /api/v1/config
// (the modules whose state GET/PUT /api/v1/config/<name> serves). A module
// that mounts /config/<name> routes is listed without calling it.
func RegisterConfigName(name string) {
	cfgMu.Lock()
	cfgNames[name] = true
	cfgMu.Unlock()
}

// sortConfigNames orders names as OpenNJet lists them.
func sortConfigNames(names []string) {
	rank := func(s string) int {
		for i, n := range configOrder {
			if n == s {
				return i
			}
		}
		return len(configOrder)
	}
	sort.SliceStable(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
}

// API is the control-plane HTTP handler: /v1/<module>/... for every
// registered module, with OpenNJet's answers for unknown modules and
// paths. Paths are relative to the mount point (the location of
// dyn_module_api, "/api" in njet_ctrl.conf).
type API struct {
	rt      *Runtime
	mux     chi.Router
	keys    map[string]bool // first path segment under /v1 served by a module
	configs []string        // module list of GET /v1/config, in OpenNJet's order
}

// NewAPI builds the handler over rt with every module registered so far.
func NewAPI(rt *Runtime) *API {
	a := &API{rt: rt, keys: map[string]bool{}}
	v1 := chi.NewRouter()
	v1.NotFound(func(w http.ResponseWriter, _ *http.Request) { NotFound(w) })
	v1.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) { NotFound(w) })
	for _, m := range Modules() {
		m.Routes(v1, rt)
	}
	cfgMu.RLock()
	// njt_http_kv_module is the module that answers the list itself.
	names := map[string]bool{kvModuleList: true}
	for n := range cfgNames {
		names[n] = true
	}
	cfgMu.RUnlock()
	chi.Walk(v1, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		seg := strings.SplitN(strings.TrimPrefix(route, "/"), "/", 3)
		if seg[0] != "" {
			a.keys[seg[0]] = true
		}
		if seg[0] == "config" && len(seg) >= 2 && seg[1] != "" && !strings.ContainsAny(seg[1], "{*") {
			names[seg[1]] = true
		}
		return nil
	})
	for n := range names {
		a.configs = append(a.configs, n)
	}
	sortConfigNames(a.configs)
	a.keys["config"] = true
	a.mux = v1
	return a
}

// ConfigModules returns the names GET /api/v1/config lists.
func (a *API) ConfigModules() []string { return append([]string(nil), a.configs...) }

// ServeHTTP serves a request whose URL path is relative to the API's
// mount point ("/v1/config/http_log").
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			ServerError(w)
		}
	}()
	path := r.URL.Path
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	// OpenNJet keys a module by the two segments after the location:
	// "/v1/<name>"; anything else is "not registered".
	if len(seg) < 2 || seg[0] != "v1" || !a.keys[seg[1]] {
		Reply(w, http.StatusNotFound, 404, msgNotRegistered)
		return
	}
	if seg[1] == "config" {
		a.serveConfig(w, r, seg[2:])
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(path, "/v1")
	r2.URL.RawPath = ""
	a.mux.ServeHTTP(w, r2)
}

// serveConfig is OpenNJet's generic config API: GET /v1/config lists
// the modules, GET and PUT /v1/config/<module> go to the module.
func (a *API) serveConfig(w http.ResponseWriter, r *http.Request, rest []string) {
	if len(rest) > 0 && rest[len(rest)-1] == "" {
		rest = rest[:len(rest)-1] // "/v1/config/" is the list
	}
	switch {
	case (len(rest) == 0 || len(rest) == 1 && rest[0] == kvModuleList) && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, a.configs)
		return
	case len(rest) != 1 || (r.Method != http.MethodGet && r.Method != http.MethodPut):
		NotFound(w)
		return
	}
	if r.Method == http.MethodPut {
		body, ok := ConfigBody(w, r)
		if !ok {
			return
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.ContentLength = int64(len(body))
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/config/" + rest[0]
	r2.URL.RawPath = ""
	rctx := chi.NewRouteContext()
	if !a.mux.Match(rctx, r.Method, r2.URL.Path) {
		// No module answers this name (or not this method).
		WriteRaw(w, http.StatusOK, "application/json", []byte(msgNoRPC))
		return
	}
	a.mux.ServeHTTP(w, r2)
}
