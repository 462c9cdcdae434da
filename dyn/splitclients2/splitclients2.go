package splitclients2

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "http_split_clients_2"

// codeTotal is the code OpenNJet answers a split that does not add up
// to 100 with.
const codeTotal = 500

// noHandler is what OpenNJet's control plane answers when no data-plane
// module took the call (no split_clients_2 block is configured).
const noHandler = `{"code":-1, "msg":"no rpc handler registered"}`

// Module is the dynamic split_clients_2 module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_split_clients_2".
func (Module) Name() string { return Name }

// Order places the split after the access log switch.
func (Module) Order() int { return dyn.OrderSplitClients }

// Routes mounts GET and PUT /config/http_split_clients_2.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Record is the stored split: Percent of the requests get First, the
// rest Rest (the values the block names, checked again at each rebuild).
type Record struct {
	Percent int    `json:"percent"`
	First   string `json:"first"`
	Rest    string `json:"rest"`
}

// split is a split_clients_2 block of the tree.
type split struct {
	node        *conf.Node
	percent     int
	first, rest string
}

// find returns the split_clients_2 block OpenNJet's API serves: the last
// one of http{} (each block replaces the module's state).
func find(t *dyn.Tree) *split {
	var s *split
	for _, n := range dyn.Children(t.HTTP(), "split_clients_2") {
		if len(n.Block) != 2 || len(n.Args) != 1 || len(n.Block[0].Args) != 1 || len(n.Block[1].Args) != 1 {
			continue
		}
		p, _ := strconv.Atoi(strings.TrimSuffix(n.Block[0].Name, "%"))
		s = &split{node: n, percent: p, first: n.Block[0].Args[0], rest: n.Block[1].Args[0]}
	}
	return s
}

type handler struct{ rt *dyn.Runtime }

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	s := find(t)
	if s == nil {
		dyn.WriteRaw(w, http.StatusOK, "application/json", []byte("{}"))
		return
	}
	var jw njtapi.Writer
	jw.Raw(`{"http":{"split_clients_2":{`)
	jw.Key(s.first)
	jw.Int(s.percent)
	jw.Raw(",")
	jw.Key(s.rest)
	jw.Int(100 - s.percent)
	jw.Raw("}}}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	body, ok := njtapi.ConfigBody(w, r)
	if !ok {
		return
	}
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	s := find(t)
	if s == nil {
		dyn.WriteRaw(w, http.StatusOK, "application/json", []byte(noHandler))
		return
	}
	res := njtapi.NewResult()
	rec, code, msg := parse(body, s)
	if code == dyn.CodeSuccess {
		v, _ := json.Marshal(rec)
		key := dyn.Key(Name, url.PathEscape(s.node.Args[0]))
		if err := h.rt.Change(r.Context(), dyn.Op{Key: key, Value: v}); err != nil {
			code, msg = dyn.CodeUpdateError, njtapi.BuildError(err)
		}
	}
	if code != dyn.CodeSuccess {
		res.Fail(code, msg)
	}
	res.Write(w)
}

// parse checks a PUT body against the configured split as OpenNJet
// does: every configured value must be given once with a non-negative
// whole number, nothing else may be given, and the numbers must add up
// to 100.
func parse(body []byte, s *split) (rec *Record, code int, msg string) {
	v, err := njtapi.Decode(body)
	if err != nil {
		return nil, dyn.CodeInvalidJSON, dyn.MsgInvalidJSON
	}
	hv, ok := v.Get("http")
	if !ok {
		return nil, dyn.CodeInvalidJSON, "http field is required"
	}
	sc, ok := hv.Get("split_clients_2")
	if !ok || sc.Kind != njtapi.JObject {
		return nil, dyn.CodeInvalidJSON, "split_clients_2 field is required"
	}
	rec = &Record{First: s.first, Rest: s.rest}
	sum := 0
	for i, part := range []string{s.first, s.rest} {
		found := false
		for _, m := range sc.Members {
			if m.Key != part {
				continue
			}
			found = true
			n, err := strconv.Atoi(m.Val.Str)
			if !m.Val.IsInt() || err != nil || n < 0 {
				return nil, dyn.CodeInvalidJSON, m.Key + " percentage is not valid"
			}
			sum += n
			if i == 0 {
				rec.Percent = n
			}
		}
		if len(sc.Members) != 2 {
			return nil, dyn.CodeInvalidJSON, fmt.Sprintf("number of backend in the post json should be %d", 2)
		}
		if !found {
			return nil, dyn.CodeInvalidJSON, part + " not in post json data"
		}
	}
	if sum != 100 {
		return nil, codeTotal, "total percentage should be 100"
	}
	return rec, dyn.CodeSuccess, ""
}

// Edit writes the stored percentage into its split_clients_2 block; a
// record whose block or values are gone is skipped.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	for _, e := range entries {
		name, err := url.PathUnescape(strings.TrimPrefix(e.Key, dyn.Prefix(Name)))
		if err != nil {
			continue
		}
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("%s: bad record %s: %v", Name, e.Key, err)
		}
		for _, n := range dyn.Children(t.HTTP(), "split_clients_2") {
			if len(n.Args) != 1 || n.Args[0] != name || len(n.Block) != 2 ||
				len(n.Block[0].Args) != 1 || n.Block[0].Args[0] != rec.First ||
				len(n.Block[1].Args) != 1 || n.Block[1].Args[0] != rec.Rest {
				continue
			}
			n.Block[0].Name = strconv.Itoa(rec.Percent) + "%"
		}
	}
	return nil
}
