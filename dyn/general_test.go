package dyn_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
	_ "github.com/gonjet/gonjet/dyn/dynups"
	_ "github.com/gonjet/gonjet/dyn/kv"
	_ "github.com/gonjet/gonjet/dyn/upstreamapi"
	_ "github.com/gonjet/gonjet/gateway/all"
	"github.com/gonjet/gonjet/gateway/conf"
)

// stubConfig stands for a switch module of another package: it serves
// GET and PUT /config/<name>.
type stubConfig string

func (s stubConfig) Name() string                    { return "stub_" + string(s) }
func (stubConfig) Order() int                        { return dyn.OrderSwitches }
func (stubConfig) Edit(*dyn.Tree, []dyn.Entry) error { return nil }
func (s stubConfig) Routes(r chi.Router, _ *dyn.Runtime) {
	r.Get("/config/"+string(s), func(w http.ResponseWriter, _ *http.Request) { dyn.WriteJSON(w, 200, map[string]any{}) })
	r.Put("/config/"+string(s), func(w http.ResponseWriter, _ *http.Request) { dyn.Success(w) })
}

func init() {
	for _, n := range []string{"http_split_clients_2", "http_log", "http_dyn_bwlist", "http_vts", "http_dyn_map",
		"http_dyn_limit", "http_dyn_header", "proxy_pass", "http_dyn_fault_inject", "http_dyn_auth"} {
		if _, ok := dyn.Lookup(n); !ok {
			dyn.Register(stubConfig(n))
		}
	}
}

func TestGoldenGeneralMatchesOpenNJet(t *testing.T) {
	env, rewrite := dyntest.Recorded(t, "", dyntest.Options{})
	r := dyntest.Replay{Rewrite: rewrite, Spec: dyntest.LoadSpec(t, "helper_dynlog.yaml")}
	r.Run(t, env, dyntest.Golden(t, "general.json"))
}

func confLoad(src string) (any, error) { return conf.LoadString(src, conf.Options{Prefix: "/tmp/"}) }
