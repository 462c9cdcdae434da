package dyn

import (
	"sort"
	"sync"

	"github.com/go-chi/chi/v5"
)

// Order values for Module.Order: objects are edited into the tree before
// switches, in OpenNJet's order.
const (
	OrderUpstreams       = 100 // dyn_ups: whole upstream blocks
	OrderUpstreamMembers = 200 // upstream_api: servers of upstreams
	OrderServers         = 300 // dyn_srv: virtual servers
	OrderLocations       = 400 // dyn_loc: locations
	OrderSwitches        = 1000
	OrderHTTPLog         = 1100
	OrderSplitClients    = 1200
	OrderBWList          = 1300
	OrderMap             = 1400
	OrderProxyPass       = 1500
	OrderHeader          = 1600
)

// Module is one dynamic API module: it owns the keys under
// "/dyn/<Name()>/", edits the configuration node tree from them, and
// serves its HTTP endpoints.
type Module interface {
	// Name is the API module name as OpenNJet spells it ("upstream_api",
	// "dyn_loc", "http_log", ...). It is also the store prefix.
	Name() string
	// Order places the module in the rebuild: lower runs first.
	Order() int
	// Edit applies the module's stored state (its entries, sorted by key)
	// to the node tree. An error makes the change that caused the
	// rebuild fail.
	Edit(t *Tree, entries []Entry) error
	// Routes mounts the module's endpoints; r is rooted at /api/v1.
	Routes(r chi.Router, rt *Runtime)
}

// StoreOnly is implemented by modules whose state never changes the
// configuration (kv): their Edit is a no-op and writes to their keys do
// not rebuild the gateway. Writes go straight to the store.
type StoreOnly interface {
	StoreOnly()
}

// rebuilds reports whether a change to key needs a rebuild: the key
// belongs to a registered module that edits the tree.
func rebuilds(key string) bool {
	m, ok := Lookup(moduleOf(key))
	if !ok {
		return false
	}
	_, only := m.(StoreOnly)
	return !only
}

var (
	regMu   sync.RWMutex
	modules = map[string]Module{}
)

// Register adds a module; call it from the module package's init. A
// second module with the same name replaces the first.
func Register(m Module) {
	regMu.Lock()
	defer regMu.Unlock()
	modules[m.Name()] = m
}

// Modules returns the registered modules in rebuild order (by Order,
// then name).
func Modules() []Module {
	regMu.RLock()
	out := make([]Module, 0, len(modules))
	for _, m := range modules {
		out = append(out, m)
	}
	regMu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Order() != out[j].Order() {
			return out[i].Order() < out[j].Order()
		}
		return out[i].Name() < out[j].Name()
	})
	return out
}

// Lookup returns the registered module called name.
func Lookup(name string) (Module, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	m, ok := modules[name]
	return m, ok
}

// Prefix returns the store prefix of module name: "/dyn/<name>/".
func Prefix(name string) string { return "/dyn/" + name + "/" }

// Key returns the store key of an object of module name:
// "/dyn/<name>/<parts joined by '/'>". Parts are used as given: escape
// those that may hold '/' (url.PathEscape).
func Key(name string, parts ...string) string {
	k := Prefix(name)
	for i, p := range parts {
		if i > 0 {
			k += "/"
		}
		k += p
	}
	return k
}
