package dynheader

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "http_dyn_header"

// Module is the dynamic add_header module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_dyn_header".
func (Module) Name() string { return Name }

// Order places the headers last among the switches, as OpenNJet.
func (Module) Order() int { return dyn.OrderHeader }

// Routes mounts GET and PUT /config/http_dyn_header.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Header is one add_header of a location.
type Header struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Always bool   `json:"always"`
}

// Record is the stored header list of one location; it replaces the
// location's add_header directives (an empty list stops the inherited
// ones too, as in OpenNJet).
type Record struct {
	Headers []Header `json:"headers"`
}

var schema = func() *njtapi.Schema {
	header := njtapi.ObjectOf(
		njtapi.Field{Name: "key", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "value", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "always", Schema: njtapi.Boolean()},
	)
	loc := njtapi.LocationSchema(1,
		njtapi.Field{Name: "headers", Schema: njtapi.ArrayOf(header, 0), NullCheck: true},
	)
	return njtapi.ObjectOf(njtapi.ServersField(loc, 0))
}()

// clearFile marks the add_header written for an emptied list: a header
// with no value, which adds nothing and keeps the location from
// inheriting its parent's headers. GET does not show it.
const clearFile = "dyn:" + Name + ":clear"

// clearHeader is the name of that header.
const clearHeader = "X-GoNJet-Dyn-Header-Cleared"

type handler struct{ rt *dyn.Runtime }

// effective is the header list a location gets: its own add_header
// directives or those of the nearest enclosing level that has some; ok
// is false when no level has any.
func effective(t *dyn.Tree, srv *conf.Node, chain []*conf.Node) (list []Header, ok bool) {
	levels := append([]*conf.Node{t.HTTP(), srv}, chain...)
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i] == nil {
			continue
		}
		found := false
		list = []Header{}
		for _, n := range levels[i].Block {
			if n.Name != "add_header" || n.Block != nil || len(n.Args) < 2 {
				continue
			}
			found = true
			if n.File == clearFile {
				continue
			}
			list = append(list, Header{Key: n.Args[0], Value: n.Args[1], Always: len(n.Args) == 3 && n.Args[2] == "always"})
		}
		if found {
			return list, true
		}
	}
	return nil, false
}

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var jw njtapi.Writer
	jw.Raw("{")
	njtapi.WriteServers(&jw, t, func(w *njtapi.Writer, srv *conf.Node, chain []*conf.Node, nested func()) {
		w.Raw("{")
		w.Key("location")
		w.String(dyn.LocationName(chain[len(chain)-1]))
		if list, ok := effective(t, srv, chain); ok {
			w.Raw(",")
			w.Key("headers")
			w.Raw("[")
			for i, hd := range list {
				if i > 0 {
					w.Raw(",")
				}
				w.Raw("{")
				w.Key("key")
				w.String(hd.Key)
				w.Raw(",")
				w.Key("value")
				w.String(hd.Value)
				w.Raw(",")
				w.Key("always")
				w.Bool(hd.Always)
				w.Raw("}")
			}
			w.Raw("]")
		}
		nested()
		w.Raw("}")
	})
	jw.Raw("}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	body, ok := njtapi.ConfigBody(w, r)
	if !ok {
		return
	}
	res := njtapi.NewResult()
	req, err := njtapi.Parse(schema, body)
	if err != nil {
		res.Fail(dyn.CodeInvalidJSON, err.Error())
		res.Write(w)
		return
	}
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	known := njtapi.KnownVariable(h.rt)
	var changes []njtapi.Change
	walk := &njtapi.Walk{Tree: t, Res: res, NoNameMsg: " index %d not set location name"}
	walk.Apply = func(srv *conf.Node, chain []*conf.Node, item *njtapi.Obj) {
		items := item.Objs("headers")
		// OpenNJet leaves an already empty list alone.
		if cur, ok := effective(t, srv, chain); ok && len(cur) == 0 && len(items) == 0 {
			return
		}
		rec := Record{Headers: []Header{}}
		name := item.Str("location")
		for _, it := range items {
			hd := Header{Key: it.Str("key"), Value: it.Str("value"), Always: it.Bool("always")}
			var msg string
			if hd.Key == "" {
				msg = "header key can't null"
			} else if _, bad := njtapi.UnknownVariable(hd.Value, known); bad {
				msg = "header contains undefined variables " + hd.Value
			}
			if msg != "" {
				res.Error(msg)
				res.Error(fmt.Sprintf(" njt_dyn_header_set_header error[%s];", name))
				return
			}
			rec.Headers = append(rec.Headers, hd)
		}
		res.OK()
		v, _ := json.Marshal(rec)
		changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: njtapi.LocationKey(Name, srv, chain), Value: v}}, Path: res.Path(), Counted: true})
	}
	walk.Servers(req.Objs("servers"))
	njtapi.Commit(r.Context(), h.rt, res, changes)
	res.UpdateCode()
	res.Write(w)
}

// Edit replaces each stored location's add_header directives with its
// list.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range entries {
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok {
			continue
		}
		_, loc := njtapi.Resolve(t, ref)
		if loc == nil {
			continue
		}
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("%s: bad record %s: %v", Name, e.Key, err)
		}
		njtapi.RemoveDirectives(loc, "add_header")
		if len(rec.Headers) == 0 {
			n := njtapi.NewNode(Name, "add_header", clearHeader, "")
			n.File = clearFile
			loc.Block = append(loc.Block, n)
			continue
		}
		for _, hd := range rec.Headers {
			args := []string{hd.Key, hd.Value}
			if hd.Always {
				args = append(args, "always")
			}
			loc.Block = append(loc.Block, njtapi.NewNode(Name, "add_header", args...))
		}
	}
	return nil
}
