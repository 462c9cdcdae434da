package dynloc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "dyn_loc"

// snippet is the file name errors in location text are reported in.
const snippet = "add_location.txt"

// Module is the dynamic location module; it registers itself.
type Module struct{}

func init() { dyn.Register(Module{}) }

// Name returns "dyn_loc".
func (Module) Name() string { return Name }

// Order places locations after servers, before the switches.
func (Module) Order() int { return dyn.OrderLocations }

// Routes mounts POST (add) and PUT (del) /dyn_loc.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Post("/dyn_loc", h.serve)
	r.Put("/dyn_loc", h.serve)
}

// Record is the stored state of one top-level location of a server
// (key: njtapi.KeyFor(Name, server, "<rule><name>")).
type Record struct {
	// DeleteStatic removes the location of that name that the
	// configuration file defines.
	DeleteStatic bool `json:"delete_static,omitempty"`
	// Add is the location added through the API (nil when none).
	Add *Added `json:"add,omitempty"`
}

// Added is an added location as requested.
type Added struct {
	Locations []Location `json:"locations"`
	// File is the name parse errors of the text are reported in.
	File string `json:"file"`
}

type handler struct{ rt *dyn.Runtime }

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	body, err := dyn.ReadBody(r)
	if err != nil {
		body = nil
	}
	req, msg := parseRequest(body, r.Method)
	if msg != "" {
		njtapi.Reply(w, http.StatusBadRequest, "text/plain", dyn.CodeUpdateError, msg)
		return
	}
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var code int
	if req.Type == "add" {
		code, msg = h.add(r.Context(), t, req)
	} else {
		code, msg = h.del(r.Context(), t, req)
	}
	res := njtapi.NewResult()
	if code != dyn.CodeSuccess {
		res.Fail(code, msg)
	}
	res.Write(w)
}

func (h *handler) add(ctx context.Context, t *dyn.Tree, req *request) (int, string) {
	if req.badLocations || len(req.Locations) == 0 {
		return dyn.CodeUpdateError, "add location error:locations null"
	}
	srv := njtapi.FindServer(t, req.AddrPort, req.ServerName)
	if srv == nil {
		return dyn.CodeUpdateError, fmt.Sprintf("error:host[%s],no find server[%s]!", req.AddrPort, req.ServerName)
	}
	first := req.Locations[0]
	name := first.Rule + first.Name
	if njtapi.ChildLocation(srv, name) != nil {
		return dyn.CodeUpdateError, fmt.Sprintf("error:location[%s] exist!", name)
	}
	add := &Added{Locations: req.Locations, File: njtapi.SnippetFile(h.rt, snippet)}
	if _, err := add.nodes(); err != nil {
		return dyn.CodeUpdateError, err.Error()
	}
	key := njtapi.KeyFor(Name, srv, name)
	rec, err := h.load(ctx, key)
	if err != nil {
		return dyn.CodeUpdateError, err.Error()
	}
	rec.Add = add
	value, _ := json.Marshal(rec)
	if err := h.rt.Change(ctx, dyn.Op{Key: key, Value: value}); err != nil {
		return dyn.CodeUpdateError, njtapi.BuildError(err)
	}
	return dyn.CodeSuccess, ""
}

func (h *handler) del(ctx context.Context, t *dyn.Tree, req *request) (int, string) {
	srv := njtapi.FindServer(t, req.AddrPort, req.ServerName)
	if srv == nil {
		return dyn.CodeUpdateError, fmt.Sprintf("error:host[%s],no find server [%s]!", req.AddrPort, req.ServerName)
	}
	name := req.Rule + req.Name
	loc := njtapi.ChildLocation(srv, name)
	if loc == nil {
		return dyn.CodeUpdateError, fmt.Sprintf("not find  location [%s]!", name)
	}
	key := njtapi.KeyFor(Name, srv, name)
	rec, err := h.load(ctx, key)
	if err != nil {
		return dyn.CodeUpdateError, err.Error()
	}
	// A location from the configuration file is deleted too, as OpenNJet
	// v3.3.0 does; the record keeps it deleted across rebuilds.
	if rec.Add == nil {
		rec.DeleteStatic = true
	}
	rec.Add = nil
	op := dyn.Op{Key: key}
	if rec.DeleteStatic {
		op.Value, _ = json.Marshal(rec)
	}
	// The location's switch state goes with it.
	ops, err := njtapi.Cleanup(ctx, h.rt.Store(), srv, []*conf.Node{loc})
	if err != nil {
		return dyn.CodeUpdateError, err.Error()
	}
	batch := []dyn.Op{op}
	for _, o := range ops {
		if o.Key != key {
			batch = append(batch, o)
		}
	}
	if err := h.rt.Change(ctx, batch...); err != nil {
		return dyn.CodeUpdateError, njtapi.BuildError(err)
	}
	return dyn.CodeSuccess, ""
}

// load returns the record stored under key (empty when none).
func (h *handler) load(ctx context.Context, key string) (*Record, error) {
	rec := &Record{}
	e, ok, err := h.rt.Store().Get(ctx, key)
	if err != nil || !ok {
		return rec, err
	}
	if err := json.Unmarshal(e.Value, rec); err != nil {
		return &Record{}, nil
	}
	return rec, nil
}

// nodes parses the added text and refuses the directives OpenNJet does
// not allow in a dynamic location.
func (a *Added) nodes() ([]*conf.Node, error) {
	nodes, err := dyn.ParseSnippet(a.File, Text(a.Locations))
	if err != nil {
		return nil, err
	}
	if err := refuse(nodes, "zone"); err != nil {
		return nil, err
	}
	return nodes, nil
}

// refuse fails on the first directive called one of names, in reading
// order, with OpenNJet's message.
func refuse(nodes []*conf.Node, names ...string) error {
	for _, n := range nodes {
		for _, name := range names {
			if n.Name == name {
				return conf.Errorf(n, "\"%s\" directive no support of dynamic!", n.Name)
			}
		}
		if err := refuse(n.Block, names...); err != nil {
			return err
		}
	}
	return nil
}

// Edit applies the stored locations to the tree, oldest change first:
// deleted file locations are removed, added ones appended to their
// server. Records whose server is gone are skipped.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range njtapi.ByAge(entries) {
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok || len(ref.Locations) != 1 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("dyn_loc: bad record %s: %v", e.Key, err)
		}
		srv, _ := njtapi.Resolve(t, njtapi.LocRef{Listen: ref.Listen, Server: ref.Server})
		if srv == nil {
			continue
		}
		if rec.DeleteStatic {
			if loc := njtapi.ChildLocation(srv, ref.Locations[0]); loc != nil {
				dyn.Remove(srv, loc)
			}
		}
		if rec.Add == nil || njtapi.ChildLocation(srv, ref.Locations[0]) != nil {
			continue
		}
		nodes, err := rec.Add.nodes()
		if err != nil {
			return err
		}
		srv.Block = append(srv.Block, nodes...)
	}
	return nil
}
