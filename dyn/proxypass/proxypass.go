package proxypass

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "proxy_pass"

// Module is the dynamic proxy_pass module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "proxy_pass".
func (Module) Name() string { return Name }

// Order places proxy_pass among the switches, in OpenNJet's order.
func (Module) Order() int { return dyn.OrderProxyPass }

// Routes mounts GET and PUT /config/proxy_pass.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Record is the stored target of one location.
type Record struct {
	URL string `json:"proxy_pass"`
}

var schema = njtapi.ObjectOf(njtapi.ServersField(njtapi.LocationSchema(1,
	njtapi.Field{Name: "proxy_pass", Schema: njtapi.Str(0), NullCheck: true},
), 1))

type handler struct{ rt *dyn.Runtime }

// own returns the location's own proxy_pass directive (proxy_pass is
// not inherited).
func own(loc *conf.Node) *conf.Node {
	for _, n := range loc.Block {
		if n.Name == "proxy_pass" && n.Block == nil && len(n.Args) == 1 {
			return n
		}
	}
	return nil
}

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var jw njtapi.Writer
	jw.Raw("{")
	njtapi.WriteServers(&jw, t, func(w *njtapi.Writer, _ *conf.Node, chain []*conf.Node, nested func()) {
		loc := chain[len(chain)-1]
		w.Raw("{")
		w.Key("location")
		w.String(dyn.LocationName(loc))
		w.Raw(",")
		w.Key("proxy_pass")
		if n := own(loc); n != nil {
			w.String(n.Args[0])
		} else {
			w.String("")
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
	walk := &njtapi.Walk{Tree: t, Res: res, PathSuffix: ":", NoNameMsg: " index %d not set location name"}
	walk.Apply = func(srv *conf.Node, chain []*conf.Node, item *njtapi.Obj) {
		raw := item.Str("proxy_pass")
		words := strings.Fields(raw)
		if len(words) != 1 {
			res.Error(fmt.Sprintf("proxy_pass[%s] error!", raw))
			return
		}
		url := unquote(words[0])
		loc := chain[len(chain)-1]
		if msg := check(t, loc, url, known); msg != "" {
			res.Error(msg)
			return
		}
		if n := own(loc); n != nil && n.Args[0] == url {
			return
		}
		v, _ := json.Marshal(Record{URL: url})
		changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: njtapi.LocationKey(Name, srv, chain), Value: v}}, Path: res.Path()})
	}
	walk.Servers(req.Objs("servers"))
	njtapi.Commit(r.Context(), h.rt, res, changes)
	res.UpdateCode()
	res.Write(w)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// check makes OpenNJet's checks of a new target (njt_http_dyn_set_proxy_pass)
// and returns the refusal, "" when url may be set.
func check(t *dyn.Tree, loc *conf.Node, url string, known func(string) bool) string {
	cur := own(loc)
	if cur != nil && cur.Args[0] == url {
		return ""
	}
	if cur == nil {
		return fmt.Sprintf("location[%s] can`t change proxy_pass!", njtapi.Pattern(loc))
	}
	old, lower := strings.ToLower(cur.Args[0]), strings.ToLower(url)
	hasVars := strings.Contains(url, "$")
	if hasVars {
		if name, bad := njtapi.UnknownVariable(url, known); bad {
			return fmt.Sprintf("proxy_pass[%s]  unknown variable %s", url, name)
		}
	}
	if len(old) > 7 && strings.HasPrefix(old, "http://") && (strings.HasPrefix(lower, "https://") || strings.HasPrefix(url, "$")) ||
		len(old) > 8 && strings.HasPrefix(old, "https://") && (strings.HasPrefix(lower, "http://") || strings.HasPrefix(url, "$")) {
		return fmt.Sprintf("schema of proxy_pass[%s] unchangeable", url)
	}
	if hasVars {
		return ""
	}
	var rest string
	switch {
	case strings.HasPrefix(lower, "http://"):
		rest = url[7:]
	case strings.HasPrefix(lower, "https://"):
		rest = url[8:]
	default:
		return fmt.Sprintf("schema[%s] invalid URL prefix.", url)
	}
	host, uri := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, uri = rest[:i], rest[i:]
	}
	if !isUpstream(t, host) && !isAddress(host) {
		return fmt.Sprintf("proxy_pass[%s] resolve_host error", url)
	}
	if uri != "" && (len(loc.Args) == 2 && (loc.Args[0] == "~" || loc.Args[0] == "~*") || strings.HasPrefix(njtapi.Pattern(loc), "@")) {
		return "\"proxy_pass\" cannot have URI part in location given by regular expression, " +
			"or inside named location, or inside \"if\" statement, or inside \"limit_except\" block"
	}
	return ""
}

// isUpstream reports an upstream{} block called host.
func isUpstream(t *dyn.Tree, host string) bool {
	for _, u := range dyn.Children(t.HTTP(), "upstream") {
		if len(u.Args) > 0 && strings.EqualFold(u.Args[0], host) {
			return true
		}
	}
	return false
}

// isAddress reports an IP address with an optional port, or a unix
// socket: targets that need no name resolution.
func isAddress(host string) bool {
	if strings.HasPrefix(host, "unix:") {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	return net.ParseIP(strings.Trim(h, "[]")) != nil
}

// Edit sets the stored target into each location's proxy_pass.
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
		if n := own(loc); n != nil {
			n.Args, n.Quoted = []string{rec.URL}, []bool{false}
			n.File = "dyn:" + Name
		}
	}
	return nil
}
