package vts

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/telemetry/vts" // the directives the module writes
)

// Name is the module's API and store name.
const Name = "http_vts"

// The directives the module edits, and its JSON members.
const (
	switchDirective = "vhost_traffic_status"
	filterDirective = "vhost_traffic_status_filter_by_set_key"
)

// Module is the dynamic traffic-status module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_vts".
func (Module) Name() string { return Name }

// Order places the module among the switches, where OpenNJet lists it
// (after the black/white list, before dyn_map).
func (Module) Order() int { return dyn.OrderBWList + 50 }

// Routes mounts GET and PUT /config/http_vts.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// filterKey is the store key of the http{}-level filter key.
var filterKey = dyn.Key(Name, "filter")

// FilterRecord is the stored filter key: the directive's two arguments.
type FilterRecord struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// SwitchRecord is the stored switch of one location.
type SwitchRecord struct {
	On bool `json:"vhost_traffic_status"`
}

// Edit writes the stored switches and filter key into the tree.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range entries {
		if e.Key == filterKey {
			var f FilterRecord
			if err := json.Unmarshal(e.Value, &f); err != nil {
				return fmt.Errorf("%s: %v", e.Key, err)
			}
			http := t.HTTP()
			if http == nil {
				continue
			}
			njtapi.RemoveDirectives(http, filterDirective)
			dyn.Insert(http, "", njtapi.NewNode(Name, filterDirective, f.Key, f.Name))
			continue
		}
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok {
			continue
		}
		var s SwitchRecord
		if err := json.Unmarshal(e.Value, &s); err != nil {
			return fmt.Errorf("%s: %v", e.Key, err)
		}
		srv, chain := resolve(t, ref)
		if len(chain) == 0 {
			// the location is gone (dyn_loc deleted it): its switch with it
			continue
		}
		loc := chain[len(chain)-1]
		// The switch belongs to the location alone, as in OpenNJet where
		// it changes that location's configuration only: the locations
		// inside it that inherited the old state keep it.
		for _, child := range njtapi.Locations(loc) {
			if own(child) == nil {
				dyn.Insert(child, "", njtapi.NewNode(Name, switchDirective, onOff(enabled(t, srv, append(chain[:len(chain):len(chain)], child)))))
			}
		}
		njtapi.RemoveDirectives(loc, switchDirective)
		dyn.Insert(loc, "", njtapi.NewNode(Name, switchDirective, onOff(s.On)))
	}
	return nil
}

// resolve finds the server and the chain of locations a key names; the
// chain is nil when a location is gone.
func resolve(t *dyn.Tree, ref njtapi.LocRef) (*conf.Node, []*conf.Node) {
	srv := t.FindServer(ref.Listen, ref.Server)
	if srv == nil {
		return nil, nil
	}
	var chain []*conf.Node
	n := srv
	for _, name := range ref.Locations {
		if n = njtapi.ChildLocation(n, name); n == nil {
			return srv, nil
		}
		chain = append(chain, n)
	}
	return srv, chain
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// own returns the vhost_traffic_status directive written in n itself.
func own(n *conf.Node) *conf.Node {
	var last *conf.Node
	for _, c := range n.Block {
		if c.Name == switchDirective && c.Block == nil && len(c.Args) == 1 {
			last = c
		}
	}
	return last
}

// enabled is the state of the last location of chain: its own switch,
// else the nearest enclosing one (location, server, http), else on.
func enabled(t *dyn.Tree, srv *conf.Node, chain []*conf.Node) bool {
	levels := []*conf.Node{t.HTTP(), srv}
	levels = append(levels, chain...)
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i] == nil {
			continue
		}
		if d := own(levels[i]); d != nil {
			return !strings.EqualFold(d.Args[0], "off")
		}
	}
	return true
}

type handler struct{ rt *dyn.Runtime }

// get answers the switches of every location and the filter key.
func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var jw njtapi.Writer
	jw.Raw("{")
	njtapi.WriteServers(&jw, t, func(jw *njtapi.Writer, srv *conf.Node, chain []*conf.Node, nested func()) {
		jw.Raw("{")
		jw.Key("location")
		jw.String(dyn.LocationName(chain[len(chain)-1]))
		jw.Raw(",")
		jw.Key(switchDirective)
		jw.Bool(enabled(t, srv, chain))
		nested()
		jw.Raw("}")
	})
	if f := httpFilter(t); f != nil {
		jw.Raw(",")
		jw.Key(filterDirective)
		jw.String(quoteArgs(f.Args))
	}
	jw.Raw("}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

// httpFilter is the last http{}-level filter key, the one OpenNJet shows.
func httpFilter(t *dyn.Tree) *conf.Node {
	var last *conf.Node
	if http := t.HTTP(); http != nil {
		for _, c := range http.Block {
			if c.Name == filterDirective && c.Block == nil && len(c.Args) > 0 {
				last = c
			}
		}
	}
	return last
}

// quoteArgs writes directive arguments as the API shows them: each in
// double quotes, separated by a blank.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = `"` + a + `"`
	}
	return strings.Join(q, " ")
}

// bodySchema is the PUT body as OpenNJet's generated parser reads it.
var bodySchema = njtapi.ObjectOf(
	njtapi.Field{Name: "servers", NullCheck: true, Schema: njtapi.ArrayOf(njtapi.ObjectOf(
		njtapi.Field{Name: "listens", Schema: njtapi.ArrayOf(njtapi.Str(0), 0), Required: true},
		njtapi.Field{Name: "serverNames", Schema: njtapi.ArrayOf(njtapi.Str(0), 0), Required: true},
		njtapi.Field{Name: "locations", Schema: njtapi.ArrayOf(njtapi.LocationSchema(1,
			njtapi.Field{Name: switchDirective, Schema: njtapi.Boolean(), NullCheck: true}), 0), Required: true},
	), 0)},
	njtapi.Field{Name: filterDirective, Schema: njtapi.Str(0), NullCheck: true},
)

// put applies a document: the filter key first, then the switches of
// the listed locations. Every problem is reported and the rest applied;
// any problem makes the answer a partial success.
func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	body, err := dyn.ReadBody(r)
	if err != nil {
		body = nil
	}
	res := njtapi.NewResult()
	doc, err := njtapi.Parse(bodySchema, body)
	if err != nil {
		res.Fail(dyn.CodeInvalidJSON, err.Error())
		res.Write(w)
		return
	}
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var changes []njtapi.Change
	if f := doc.Str(filterDirective); f != "" {
		rec, msg := h.checkFilter(f)
		if msg != "" {
			res.Error(msg)
		} else {
			value, _ := json.Marshal(rec)
			changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: filterKey, Value: value}}})
			res.OK()
		}
	}
	for i, s := range doc.Objs("servers") {
		res.SetPath("")
		listens, names := s.Strs("listens"), s.Strs("serverNames")
		if len(listens) < 1 || len(names) < 1 {
			res.Error(fmt.Sprintf(" server parameters error, listens or serverNames is empty,at position %d", i))
			continue
		}
		srv := njtapi.FindServer(t, listens[0], names[0])
		if srv == nil {
			res.Error(fmt.Sprintf(" can`t find server by listen[%s] server_name[%s]", listens[0], names[0]))
			continue
		}
		res.SetPath(fmt.Sprintf("listen[%s] server_name[%s]", listens[0], names[0]))
		changes = h.locations(res, srv, srv, nil, s.Objs("locations"), changes)
	}
	res.SetPath("")
	njtapi.Commit(r.Context(), h.rt, res, changes)
	if len(res.Data) > 0 {
		res.SetCode(dyn.CodePartialSuccess)
	} else {
		res.SetCode(dyn.CodeSuccess)
	}
	res.Write(w)
}

// locations applies the listed locations found among parent's. As in
// OpenNJet, an error names the path of the last location found before
// it.
func (h *handler) locations(res *njtapi.Result, srv, parent *conf.Node, chain []*conf.Node, items []*njtapi.Obj, changes []njtapi.Change) []njtapi.Change {
	if len(njtapi.Locations(parent)) == 0 {
		return changes
	}
	parentPath := res.Path()
	for j, it := range items {
		if !it.Has("location") {
			res.Error(fmt.Sprintf(" index %d not set location name", j))
			continue
		}
		name := it.Str("location")
		loc := njtapi.ChildLocation(parent, name)
		if loc == nil {
			res.Error(fmt.Sprintf(" location[%s] not found", name))
			continue
		}
		res.SetPath(parentPath + ".locations[" + dyn.LocationName(loc) + "]")
		c := append(chain[:len(chain):len(chain)], loc)
		if it.Has(switchDirective) {
			value, _ := json.Marshal(SwitchRecord{On: it.Bool(switchDirective)})
			changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: njtapi.LocationKey(Name, srv, c), Value: value}}, Path: res.Path()})
		}
		res.OK()
		if nested := it.Objs("locations"); len(nested) > 0 {
			changes = h.locations(res, srv, loc, c, nested, changes)
		}
	}
	return changes
}

// checkFilter reads a filter key as OpenNJet does: every variable must be
// known, then two arguments in double quotes and nothing else but blanks.
func (h *handler) checkFilter(s string) (FilterRecord, string) {
	if cfg := h.rt.Current(); cfg != nil && cfg.Vars != nil {
		for rest := s; ; {
			i := strings.IndexByte(rest, '$')
			if i < 0 {
				break
			}
			j := i + 1
			for j < len(rest) && isVarByte(rest[j]) {
				j++
			}
			if name := rest[i+1 : j]; name == "" || !cfg.Vars.Has(name) {
				return FilterRecord{}, fmt.Sprintf(" found unknown var %s in filter key", rest[i:j])
			}
			rest = rest[j:]
		}
	}
	var quoted []string
	rest := s
	for len(quoted) < 2 {
		open := strings.IndexByte(rest, '"')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open+1:], '"')
		if end < 0 {
			break
		}
		quoted = append(quoted, rest[open+1:open+1+end])
		rest = rest[open+end+2:]
	}
	if len(quoted) < 2 || quoted[0] == "" || quoted[1] == "" {
		return FilterRecord{}, " need at least two param in filter key"
	}
	if strings.Trim(rest, " ") != "" {
		return FilterRecord{}, " found too much data in filter key"
	}
	return FilterRecord{Key: quoted[0], Name: quoted[1]}, ""
}

func isVarByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
