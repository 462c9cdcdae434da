package dynmap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "http_dyn_map"

// Module is the dynamic map module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_dyn_map".
func (Module) Name() string { return Name }

// Order places maps among the switches, in OpenNJet's order.
func (Module) Order() int { return dyn.OrderMap }

// Routes mounts GET and PUT /config/http_dyn_map.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Value is one line of a map: "default" is the default value.
type Value struct {
	From string `json:"valueFrom"`
	To   string `json:"valueTo"`
}

// Record is a stored map: its whole content, which replaces the map{}
// block of that variable, or is a new block when Added.
type Record struct {
	KeyFrom   string  `json:"keyFrom"`
	KeyTo     string  `json:"keyTo"`
	Values    []Value `json:"values"`
	Volatile  bool    `json:"isVolatile"`
	Hostnames bool    `json:"hostnames"`
	// Added marks a map created through the API, the only kind that can
	// be deleted again.
	Added bool `json:"added,omitempty"`
}

var schema = func() *njtapi.Schema {
	value := njtapi.ObjectOf(
		njtapi.Field{Name: "valueFrom", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "valueTo", Schema: njtapi.Str(0), Required: true},
	)
	item := njtapi.ObjectOf(
		njtapi.Field{Name: "keyFrom", Schema: njtapi.Str(2), Required: true},
		njtapi.Field{Name: "keyTo", Schema: njtapi.Str(2), Required: true},
		njtapi.Field{Name: "values", Schema: njtapi.ArrayOf(value, 0), Required: true},
		njtapi.Field{Name: "type", Schema: njtapi.Str(0), NullCheck: true},
		njtapi.Field{Name: "isVolatile", Schema: njtapi.Boolean(), NullCheck: true},
		njtapi.Field{Name: "hostnames", Schema: njtapi.Boolean(), NullCheck: true},
	)
	return njtapi.ObjectOf(njtapi.Field{Name: "maps", Schema: njtapi.ArrayOf(item, 0), Required: true})
}()

func key(name string) string { return dyn.Key(Name, url.PathEscape(name)) }

// maps returns the map blocks of http{} as records, in order.
func maps(t *dyn.Tree) []Record {
	var out []Record
	for _, n := range dyn.Children(t.HTTP(), "map") {
		if len(n.Args) != 2 {
			continue
		}
		rec := Record{KeyFrom: n.Args[0], KeyTo: n.Args[1], Values: []Value{}}
		for _, e := range n.Block {
			switch {
			case e.Name == "hostnames" && len(e.Args) == 0:
				rec.Hostnames = true
			case e.Name == "volatile" && len(e.Args) == 0:
				rec.Volatile = true
			case len(e.Args) == 1:
				rec.Values = append(rec.Values, Value{From: e.Name, To: e.Args[0]})
			}
		}
		out = append(out, rec)
	}
	return out
}

type handler struct{ rt *dyn.Runtime }

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var jw njtapi.Writer
	jw.Raw(`{"maps":[`)
	for i, m := range maps(t) {
		if i > 0 {
			jw.Raw(",")
		}
		jw.Raw("{")
		jw.Key("keyFrom")
		jw.String(m.KeyFrom)
		jw.Raw(",")
		jw.Key("keyTo")
		jw.String(m.KeyTo)
		jw.Raw(",")
		jw.Key("values")
		jw.Raw("[")
		for j, v := range m.Values {
			if j > 0 {
				jw.Raw(",")
			}
			jw.Raw("{")
			jw.Key("valueFrom")
			jw.String(v.From)
			jw.Raw(",")
			jw.Key("valueTo")
			jw.String(v.To)
			jw.Raw("}")
		}
		jw.Raw("],")
		jw.Key("isVolatile")
		jw.Bool(m.Volatile)
		jw.Raw(",")
		jw.Key("hostnames")
		jw.Bool(m.Hostnames)
		jw.Raw("}")
	}
	jw.Raw("]}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

// Operations of a map item, by its "type".
const (
	opUnknown = -1
	opUpdate  = 0 // ""
	opAdd     = 1 // "add"
	opDelete  = 2 // "del"
)

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
	items := req.Objs("maps")
	// OpenNJet answers a failed item with partial success, or with the
	// update error when it was the only one.
	failCode := dyn.CodePartialSuccess
	if len(items) == 1 {
		failCode = dyn.CodeUpdateError
	}
	existing := map[string]Record{}
	for _, m := range maps(t) {
		existing[strings.TrimPrefix(m.KeyTo, "$")] = m
	}
	var changes []njtapi.Change
	for _, it := range items {
		ops, msg := h.item(r.Context(), it, existing)
		if msg != "" {
			res.SetCode(failCode)
			res.Error(msg)
			continue
		}
		changes = append(changes, njtapi.Change{Ops: ops})
	}
	before := len(res.Data)
	njtapi.Commit(r.Context(), h.rt, res, changes)
	if len(res.Data) > before {
		res.SetCode(failCode)
	}
	res.Write(w)
}

// item decides what one map item does (njt_dyn_map_update_values) and
// returns its store ops, or OpenNJet's refusal.
func (h *handler) item(ctx context.Context, it *njtapi.Obj, existing map[string]Record) ([]dyn.Op, string) {
	keyFrom, keyTo := it.Str("keyFrom"), it.Str("keyTo")
	if keyTo[0] != '$' {
		return nil, fmt.Sprintf("keyTo %s is invalid, it should start with $", keyTo)
	}
	if keyFrom[0] != '$' {
		return nil, fmt.Sprintf("keyFrom %s is invalid, it should start with $", keyFrom)
	}
	name := keyTo[1:]
	typ := it.Str("type")
	opType := opUnknown
	switch typ {
	case "":
		opType = opUpdate
	case "add":
		opType = opAdd
	case "del":
		opType = opDelete
	}
	cur, found := existing[name]
	have := found && cur.KeyFrom == keyFrom
	op := opUnknown
	switch {
	case opType == opAdd && have:
		op = opUpdate // an add of an existing map updates it
	case opType == opAdd && !found:
		op = opAdd
	case opType == opDelete && have:
		op = opDelete
	case opType == opUpdate && have:
		op = opUpdate
	}
	stored, err := h.load(ctx, name)
	if err != nil {
		return nil, " " + err.Error()
	}
	rec := Record{KeyFrom: keyFrom, KeyTo: keyTo, Values: []Value{}, Volatile: it.Bool("isVolatile"), Hostnames: it.Bool("hostnames")}
	for _, v := range it.Objs("values") {
		rec.Values = append(rec.Values, Value{From: v.Str("valueFrom"), To: v.Str("valueTo")})
	}
	switch op {
	case opDelete:
		if stored == nil || !stored.Added {
			return nil, "can`t del static variable"
		}
		return []dyn.Op{{Key: key(name)}}, ""
	case opUpdate:
		rec.Added = stored != nil && stored.Added
		v, _ := json.Marshal(rec)
		return []dyn.Op{{Key: key(name), Value: v}}, ""
	case opAdd:
		rec.Added = true
		v, _ := json.Marshal(rec)
		return []dyn.Op{{Key: key(name), Value: v}}, ""
	}
	switch {
	case opType == opUnknown:
		return nil, "unknow type:" + typ
	case opType == opAdd && found:
		return nil, fmt.Sprintf(" keyTo %s is exsit!", name)
	case found:
		return nil, fmt.Sprintf(" not find map,keyFrom:%s!", keyFrom)
	default:
		return nil, fmt.Sprintf(" not find map,keyTo:%s!", name)
	}
}

// load returns the stored record of map name, nil when none.
func (h *handler) load(ctx context.Context, name string) (*Record, error) {
	e, ok, err := h.rt.Store().Get(ctx, key(name))
	if err != nil || !ok {
		return nil, err
	}
	var rec Record
	if json.Unmarshal(e.Value, &rec) != nil {
		return nil, nil
	}
	return &rec, nil
}

// Edit writes each stored map into its map{} block (all lines replaced)
// or, for a map added through the API, as a new block at the end of
// http{}.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	http := t.HTTP()
	if http == nil {
		return nil
	}
	for _, e := range njtapi.ByAge(entries) {
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("%s: bad record %s: %v", Name, e.Key, err)
		}
		var block []*conf.Node
		if rec.Hostnames {
			block = append(block, njtapi.NewNode(Name, "hostnames"))
		}
		if rec.Volatile {
			block = append(block, njtapi.NewNode(Name, "volatile"))
		}
		for _, v := range rec.Values {
			block = append(block, njtapi.NewNode(Name, v.From, v.To))
		}
		if block == nil {
			block = []*conf.Node{}
		}
		n := find(http, rec.KeyTo)
		switch {
		case n != nil && n.Args[0] == rec.KeyFrom:
			n.Block = block
		case n == nil && rec.Added:
			m := njtapi.NewNode(Name, "map", rec.KeyFrom, rec.KeyTo)
			m.Block = block
			http.Block = append(http.Block, m)
		}
	}
	return nil
}

func find(http *conf.Node, keyTo string) *conf.Node {
	for _, n := range dyn.Children(http, "map") {
		if len(n.Args) == 2 && n.Args[1] == keyTo {
			return n
		}
	}
	return nil
}
