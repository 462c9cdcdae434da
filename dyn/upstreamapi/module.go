package upstreamapi

import (
	"encoding/json"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
)

// Name is the module's API and store name.
const Name = "upstream_api"

// Key returns the store key of the member list of upstream name.
func Key(name string) string { return dyn.Key(Name, url.PathEscape(name)) }

type module struct{}

func init() { dyn.Register(module{}) }

func (module) Name() string { return Name }
func (module) Order() int   { return dyn.OrderUpstreamMembers }

func (module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.HandleFunc("/upstream_api", h.serve)
	r.HandleFunc("/upstream_api/*", h.serve)
}

// Edit replaces the server lines of every upstream whose members were
// changed through the API by the stored list. A list whose upstream is
// gone (the njet.conf changed) is left alone.
func (module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range entries {
		name, err := url.PathUnescape(e.Key[len(dyn.Prefix(Name)):])
		if err != nil {
			continue
		}
		var g group
		if err := json.Unmarshal(e.Value, &g); err != nil {
			return err
		}
		up := t.FindUpstream(name)
		if up == nil {
			continue
		}
		setServers(up, g.Servers)
	}
	return nil
}
