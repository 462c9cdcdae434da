package bwlist

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/access"
)

// Name is the module's API and store name.
const Name = "http_dyn_bwlist"

// Module is the dynamic black/white list module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_dyn_bwlist".
func (Module) Name() string { return Name }

// Order places the lists among the switches, in OpenNJet's order.
func (Module) Order() int { return dyn.OrderBWList }

// Routes mounts GET and PUT /config/http_dyn_bwlist.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Rule is one allow/deny rule as the API writes it: an address and a
// dotted mask.
type Rule struct {
	Rule string `json:"rule"`
	Addr string `json:"addr"`
	Mask string `json:"mask"`
}

// Record is the stored rule list of one location; it replaces the
// location's allow/deny directives.
type Record struct {
	V4 []Rule `json:"accessIpv4"`
	V6 []Rule `json:"accessIpv6,omitempty"`
}

var schema = func() *njtapi.Schema {
	rule := njtapi.ObjectOf(
		njtapi.Field{Name: "rule", Schema: njtapi.Enumeration("allow", "deny"), Required: true},
		njtapi.Field{Name: "addr", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "mask", Schema: njtapi.Str(0), Required: true},
	)
	loc := njtapi.LocationSchema(2,
		njtapi.Field{Name: "accessIpv4", Schema: njtapi.ArrayOf(rule, 0), NullCheck: true},
		njtapi.Field{Name: "accessIpv6", Schema: njtapi.ArrayOf(rule, 0), NullCheck: true},
	)
	return njtapi.ObjectOf(njtapi.ServersField(loc, 0))
}()

type handler struct{ rt *dyn.Runtime }

// records returns the stored lists by key.
func (h *handler) records(ctx context.Context) (map[string]Record, error) {
	list, err := h.rt.Store().List(ctx, dyn.Prefix(Name))
	if err != nil {
		return nil, err
	}
	out := map[string]Record{}
	for _, e := range list {
		var rec Record
		if json.Unmarshal(e.Value, &rec) == nil {
			out[e.Key] = rec
		}
	}
	return out, nil
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	recs, err := h.records(r.Context())
	if err != nil {
		dyn.ServerError(w)
		return
	}
	var jw njtapi.Writer
	jw.Raw("{")
	njtapi.WriteServers(&jw, t, func(w *njtapi.Writer, srv *conf.Node, chain []*conf.Node, nested func()) {
		w.Raw("{")
		w.Key("location")
		w.String(dyn.LocationName(chain[len(chain)-1]))
		// A list set through the API is shown as set (an empty IPv4 list
		// included, as OpenNJet); others as the configuration makes them.
		rec, dynamic := recs[njtapi.LocationKey(Name, srv, chain)]
		if !dynamic {
			rec = effective(t, srv, chain)
		}
		if dynamic || len(rec.V4) > 0 {
			writeRules(w, "accessIpv4", rec.V4)
		}
		if len(rec.V6) > 0 {
			writeRules(w, "accessIpv6", rec.V6)
		}
		nested()
		w.Raw("}")
	})
	jw.Raw("}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

func writeRules(w *njtapi.Writer, key string, rules []Rule) {
	w.Raw(",")
	w.Key(key)
	w.Raw("[")
	for i, r := range rules {
		if i > 0 {
			w.Raw(",")
		}
		w.Raw("{")
		w.Key("rule")
		w.String(r.Rule)
		w.Raw(",")
		w.Key("addr")
		w.String(r.Addr)
		w.Raw(",")
		w.Key("mask")
		w.String(r.Mask)
		w.Raw("}")
	}
	w.Raw("]")
}

// effective is the rule list a location gets from the configuration:
// its own allow/deny directives or those of the nearest enclosing level
// that has some. "all" counts for both families; "unix:" for none.
func effective(t *dyn.Tree, srv *conf.Node, chain []*conf.Node) Record {
	levels := append([]*conf.Node{t.HTTP(), srv}, chain...)
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i] == nil {
			continue
		}
		var rec Record
		found := false
		for _, n := range levels[i].Block {
			if (n.Name != "allow" && n.Name != "deny") || n.Block != nil || len(n.Args) != 1 {
				continue
			}
			found = true
			r, _, err := access.ParseRule(n.Name == "deny", n.Args[0])
			if err != nil || r.Range.Unix {
				continue
			}
			if r.All {
				rec.V4 = append(rec.V4, Rule{Rule: n.Name, Addr: "0.0.0.0", Mask: "0.0.0.0"})
				rec.V6 = append(rec.V6, Rule{Rule: n.Name, Addr: "::", Mask: "::"})
				continue
			}
			p := r.Range.Prefix
			rule := Rule{Rule: n.Name, Addr: p.Addr().String(), Mask: maskOf(p.Addr().BitLen(), p.Bits()).String()}
			if p.Addr().Is4() {
				rec.V4 = append(rec.V4, rule)
			} else {
				rec.V6 = append(rec.V6, rule)
			}
		}
		if found {
			return rec
		}
	}
	return Record{}
}

// maskOf is the netmask of a prefix length.
func maskOf(bitLen, bits int) netip.Addr {
	b := make([]byte, bitLen/8)
	for i := 0; i < bits; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// prefixLen is the length of a contiguous netmask (-1 when it is not).
func prefixLen(m netip.Addr) int {
	b := m.AsSlice()
	n := 0
	for _, c := range b {
		for bit := 7; bit >= 0; bit-- {
			if c&(1<<bit) == 0 {
				goto rest
			}
			n++
		}
	}
	return n
rest:
	for i := n; i < len(b)*8; i++ {
		if b[i/8]&(0x80>>(i%8)) != 0 {
			return -1
		}
	}
	return n
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
	var changes []njtapi.Change
	walk := &njtapi.Walk{Tree: t, Res: res, NoNameMsg: " index %d not set location name"}
	walk.Apply = func(srv *conf.Node, chain []*conf.Node, item *njtapi.Obj) {
		rec := Record{V4: []Rule{}}
		for _, it := range item.Objs("accessIpv4") {
			if rule, ok := parseRule(res, it, true); ok {
				rec.V4 = append(rec.V4, rule)
			}
		}
		for _, it := range item.Objs("accessIpv6") {
			if rule, ok := parseRule(res, it, false); ok {
				rec.V6 = append(rec.V6, rule)
			}
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

// parseRule reads one rule of the v4 or v6 list; a bad address is
// reported and skipped, as OpenNJet does. A mask that is not an address
// is taken as all ones (OpenNJet reads it as INADDR_NONE); one with
// holes cannot be an allow/deny range and is refused.
func parseRule(res *njtapi.Result, it *njtapi.Obj, v4 bool) (Rule, bool) {
	family, full := "ipv6", netip.IPv6Unspecified().BitLen()
	if v4 {
		family, full = "ipv4", 32
	}
	addr, ok := access.ParseIP(it.Str("addr"))
	if !ok || addr.Is4() != v4 {
		res.Error(fmt.Sprintf(" wrong %s addr: %s", family, it.Str("addr")))
		return Rule{}, false
	}
	mask, ok := access.ParseIP(it.Str("mask"))
	if !ok || mask.Is4() != v4 {
		mask = maskOf(full, full)
	}
	if prefixLen(mask) < 0 {
		res.Error(fmt.Sprintf(" wrong %s mask: %s", family, it.Str("mask")))
		return Rule{}, false
	}
	return Rule{Rule: it.Str("rule"), Addr: addr.String(), Mask: mask.String()}, true
}

// Edit replaces the allow/deny directives of each stored location with
// its list. An emptied list lets everyone in, as in OpenNJet: when an
// enclosing level has rules the location would inherit, an "allow all"
// stops the inheritance.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range entries {
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok {
			continue
		}
		srv, loc := njtapi.Resolve(t, ref)
		if loc == nil {
			continue
		}
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("%s: bad record %s: %v", Name, e.Key, err)
		}
		njtapi.RemoveDirectives(loc, "allow")
		njtapi.RemoveDirectives(loc, "deny")
		for _, r := range append(append([]Rule(nil), rec.V4...), rec.V6...) {
			m, _ := netip.ParseAddr(r.Mask)
			loc.Block = append(loc.Block, njtapi.NewNode(Name, r.Rule, r.Addr+"/"+strconv.Itoa(prefixLen(m))))
		}
		if len(rec.V4)+len(rec.V6) == 0 {
			if rulesAbove(t, srv, chainOf(srv, ref)) {
				loc.Block = append(loc.Block, njtapi.NewNode(Name, "allow", "all"))
			}
		}
	}
	return nil
}

// chainOf is the location chain of ref below srv.
func chainOf(srv *conf.Node, ref njtapi.LocRef) []*conf.Node {
	var chain []*conf.Node
	n := srv
	for _, name := range ref.Locations {
		n = njtapi.ChildLocation(n, name)
		chain = append(chain, n)
	}
	return chain
}

// rulesAbove reports whether a level enclosing the last location of
// chain has allow/deny rules, which the location would inherit without
// rules of its own.
func rulesAbove(t *dyn.Tree, srv *conf.Node, chain []*conf.Node) bool {
	levels := append([]*conf.Node{t.HTTP(), srv}, chain[:len(chain)-1]...)
	for _, l := range levels {
		if l == nil {
			continue
		}
		for _, n := range l.Block {
			if (n.Name == "allow" || n.Name == "deny") && n.Block == nil {
				return true
			}
		}
	}
	return false
}
