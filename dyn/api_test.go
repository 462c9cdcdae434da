package dyn_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
)

// blocker holds GET /api/v1/block until released, to fill the request
// pool.
type blocker struct {
	entered chan struct{}
	release chan struct{}
}

var block = &blocker{entered: make(chan struct{}, 1), release: make(chan struct{})}

func (*blocker) Name() string                      { return "block_test" }
func (*blocker) Order() int                        { return dyn.OrderSwitches }
func (*blocker) Edit(*dyn.Tree, []dyn.Entry) error { return nil }
func (b *blocker) Routes(r chi.Router, _ *dyn.Runtime) {
	r.Get("/block", func(w http.ResponseWriter, _ *http.Request) {
		b.entered <- struct{}{}
		<-b.release
		dyn.Success(w)
	})
}

func init() { dyn.Register(block) }

func TestRequestsBeyondThePoolGetServerError(t *testing.T) {
	ctrl := strings.Replace(dyntest.CtrlConf, "config_req_pool_size 1000;", "config_req_pool_size 1;", 1)
	e := dyntest.New(t, dyntest.DataConf, dyntest.Options{Ctrl: ctrl})
	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() {
		defer wg.Done()
		first = e.API("GET", "/api/v1/block", "").Status
	}()
	<-block.entered
	r := e.API("GET", "/api/v1/config", "")
	require.Equal(t, 500, r.Status)
	require.Equal(t, `{"code":500,"msg":"server error"}`, string(r.Body))
	close(block.release)
	wg.Wait()
	require.Equal(t, 200, first)
	require.Equal(t, 200, e.API("GET", "/api/v1/config", "").Status)
}

func TestConfigAPIIsAnAliasAndBadDirectivesAreRefused(t *testing.T) {
	ctrl := strings.Replace(dyntest.CtrlConf, "dyn_module_api;", "config_api;", 1)
	e := dyntest.New(t, dyntest.DataConf, dyntest.Options{Ctrl: ctrl})
	require.Equal(t, 200, e.API("GET", "/api/v1/config", "").Status)
	for _, bad := range []string{
		"config_req_pool_size 0;", "config_req_pool_size x;",
	} {
		src := strings.Replace(dyntest.CtrlConf, "config_req_pool_size 1000;", bad, 1)
		_, err := confLoad(src)
		require.ErrorContains(t, err, "invalid value", bad)
	}
	_, err := confLoad(strings.Replace(dyntest.CtrlConf, "dyn_module_api;", "dyn_module_api x;", 1))
	require.ErrorContains(t, err, `invalid number of arguments in "dyn_module_api" directive`)
}

func TestDocAPIServesSwaggerUIOverTheDocuments(t *testing.T) {
	e := dyntest.New(t, dyntest.DataConf, dyntest.Options{})
	r := e.API("GET", "/doc", "")
	require.Equal(t, 301, r.Status)
	require.True(t, strings.HasSuffix(r.Header.Get("Location"), "/doc/swagger/"), r.Header.Get("Location"))
	r = e.API("GET", "/doc/swagger/", "")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
	require.Contains(t, string(r.Body), `src="swagger-ui-bundle.js"`)
	require.Contains(t, string(r.Body), `"helper_upstream.yaml"`)
	r = e.API("GET", "/doc/swagger/helper_kv.yaml", "")
	require.Equal(t, 200, r.Status)
	require.Equal(t, dyn.OpenAPI()["helper_kv.yaml"], r.Body)
	require.Equal(t, 200, e.API("GET", "/doc/swagger/swagger-ui-bundle.js", "").Status)
	require.Equal(t, 404, e.API("GET", "/doc/swagger/openapi/helper_kv.yaml", "").Status)
	require.Equal(t, 404, e.API("GET", "/doc/swagger/nope.yaml", "").Status)
	require.Equal(t, 405, e.API("POST", "/doc/swagger/", "x").Status)
}

func TestEnvelopesAreByteExact(t *testing.T) {
	w := httptest.NewRecorder()
	dyn.Success(w)
	require.Equal(t, `{"code":0,"msg":"success."}`, w.Body.String())
	require.Equal(t, "application/json", w.Header().Get("Content-Type"))
	require.Equal(t, "27", w.Header().Get("Content-Length"))

	w = httptest.NewRecorder()
	dyn.ReplyResult(w, 200, dyn.Result{Code: dyn.CodePartialSuccess, Msg: dyn.MsgPartialSuccess, Data: []string{"servers[x] <b>"}})
	require.Equal(t, `{"code":1,"msg":"partial success.","data":["servers[x] <b>"]}`, w.Body.String())

	w = httptest.NewRecorder()
	dyn.StatusPage(w, 405)
	require.Equal(t, 405, w.Code)
	require.Equal(t, "<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>njet/3.3.0</center>\r\n</body>\r\n</html>\r\n", w.Body.String())
}

func TestAPIWithoutADefaultRuntimeAnswersServerError(t *testing.T) {
	e := dyntest.New(t, dyntest.DataConf, dyntest.Options{})
	dyn.SetDefault(nil)
	r := e.API("GET", "/api/v1/config", "")
	require.Equal(t, 500, r.Status)
	dyn.SetDefault(e.RT)
}
