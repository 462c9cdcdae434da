package dynsrv

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "dyn_srv"

// snippet is the file name errors in server text are reported in.
const snippet = "add_server.txt"

// Module is the dynamic virtual server module; it registers itself.
type Module struct{}

func init() { dyn.Register(Module{}) }

// Name returns "dyn_srv".
func (Module) Name() string { return Name }

// Order places servers before locations, so that locations can be added
// to added servers.
func (Module) Order() int { return dyn.OrderServers }

// Routes mounts POST (add) and PUT (del) /dyn_srv.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Post("/dyn_srv", h.serve)
	r.Put("/dyn_srv", h.serve)
}

// Record is a stored server (key: njtapi.KeyFor(Name, server)): the
// configuration text OpenNJet would parse for it.
type Record struct {
	Text string `json:"text"`
	File string `json:"file"`
}

// Refusal codes: the data plane's error, and "not allowed" (an existing
// server, a server of the configuration file).
const (
	codeError      = dyn.CodeUpdateError
	codeNotAllowed = dyn.CodeOther
)

// refused are the directives OpenNJet does not accept in a dynamic
// server's text.
var refused = []string{"zone", "location", "ssl_ocsp", "ssl_stapling", "quic"}

type handler struct{ rt *dyn.Runtime }

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	body, err := dyn.ReadBody(r)
	if err != nil {
		body = nil
	}
	req, msg := parseRequest(body, r.Method)
	if msg != "" {
		njtapi.Reply(w, http.StatusBadRequest, "text/plain", codeError, msg)
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
	name := njtapi.UniqueName(req.ServerName)
	if njtapi.FindServer(t, req.AddrPort, req.ServerName) != nil {
		return codeNotAllowed, fmt.Sprintf("error:[%s] server[%s] exist!", req.AddrPort, name)
	}
	ssl := ""
	if listenSSL(t, req.AddrPort) {
		ssl = "ssl"
	}
	rec := &Record{Text: Text(req.AddrPort, ssl, req.ServerName, req.ServerBody), File: njtapi.SnippetFile(h.rt, snippet)}
	nodes, err := rec.nodes()
	if err != nil {
		return codeError, err.Error()
	}
	if err := checkNodes(t, nodes, ssl != ""); err != nil {
		return codeError, err.Error()
	}
	srv := dyn.Children(&conf.Node{Block: nodes}, "server")
	if len(srv) != 1 {
		return codeError, "add server error!"
	}
	value, _ := json.Marshal(rec)
	if err := h.rt.Change(ctx, dyn.Op{Key: njtapi.KeyFor(Name, srv[0]), Value: value}); err != nil {
		return codeError, njtapi.BuildError(err)
	}
	return dyn.CodeSuccess, ""
}

func (h *handler) del(ctx context.Context, t *dyn.Tree, req *request) (int, string) {
	srv := njtapi.FindServer(t, req.AddrPort, req.ServerName)
	if srv == nil {
		return codeError, fmt.Sprintf("error:host[%s],no find server [%s]!", req.AddrPort, njtapi.UniqueName(req.ServerName))
	}
	key := njtapi.KeyFor(Name, srv)
	if _, ok, err := h.rt.Store().Get(ctx, key); err != nil || !ok {
		return codeNotAllowed, "only dynamic server,can to be delete!"
	}
	// The server's locations and switch state go with it.
	ops, err := njtapi.Cleanup(ctx, h.rt.Store(), srv, nil)
	if err != nil {
		return codeError, err.Error()
	}
	if err := h.rt.Change(ctx, append(ops, dyn.Op{Key: key})...); err != nil {
		return codeError, njtapi.BuildError(err)
	}
	return dyn.CodeSuccess, ""
}

func (r *Record) nodes() ([]*conf.Node, error) { return dyn.ParseSnippet(r.File, r.Text) }

// checkNodes makes OpenNJet's checks while it reads a server's text: the
// port must already be listened on (a new port cannot be opened), the
// refused directives are refused, and an ssl server needs a certificate.
func checkNodes(t *dyn.Tree, nodes []*conf.Node, ssl bool) error {
	ports := listenPorts(t)
	var check func(nodes []*conf.Node) error
	check = func(nodes []*conf.Node) error {
		for _, n := range nodes {
			if n.Name == "listen" && len(n.Args) > 0 {
				if p, fam, ok := portOf(n.Args[0]); ok && !ports[fam+p] {
					return conf.Errorf(n, "no find listen port for %s", p)
				}
			}
			for _, name := range refused {
				if n.Name == name {
					return conf.Errorf(n, "\"%s\" directive no support of dynamic!", n.Name)
				}
			}
			if err := check(n.Block); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(nodes); err != nil {
		return err
	}
	if ssl && !hasDirective(nodes, "ssl_certificate") {
		return fmt.Errorf("add server error:no ssl_certificate!")
	}
	return nil
}

func hasDirective(nodes []*conf.Node, name string) bool {
	for _, n := range nodes {
		if n.Name == name || hasDirective(n.Block, name) {
			return true
		}
	}
	return false
}

// listenPorts is the set of "<family><port>" the http servers listen on.
func listenPorts(t *dyn.Tree) map[string]bool {
	out := map[string]bool{}
	for _, srv := range t.Servers() {
		for _, l := range dyn.ServerListens(srv) {
			if p, fam, ok := portOf(l); ok {
				out[fam+p] = true
			}
		}
	}
	return out
}

// portOf returns the port and address family ("4" or "6") of a listen
// address.
func portOf(addr string) (port, family string, ok bool) {
	if strings.HasPrefix(addr, "unix:") {
		return "", "", false
	}
	host, port, err := net.SplitHostPort(dyn.NormalizeListen(addr))
	if err != nil {
		return "", "", false
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "", "", false
	}
	if strings.Contains(host, ":") {
		return port, "6", true
	}
	return port, "4", true
}

// listenSSL reports whether the server socket of addrPort is an ssl one.
func listenSSL(t *dyn.Tree, addrPort string) bool {
	want := dyn.NormalizeListen(addrPort)
	for _, srv := range t.Servers() {
		for _, c := range srv.Block {
			if c.Name != "listen" || len(c.Args) == 0 || dyn.NormalizeListen(c.Args[0]) != want {
				continue
			}
			for _, a := range c.Args[1:] {
				if a == "ssl" {
					return true
				}
			}
		}
	}
	return false
}

// Edit appends the stored servers to http{}, oldest first; a server the
// configuration now defines itself is left alone.
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	http := t.HTTP()
	if http == nil {
		return nil
	}
	for _, e := range njtapi.ByAge(entries) {
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok {
			continue
		}
		var rec Record
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("dyn_srv: bad record %s: %v", e.Key, err)
		}
		if t.FindServer(ref.Listen, ref.Server) != nil {
			continue
		}
		nodes, err := rec.nodes()
		if err != nil {
			return err
		}
		http.Block = append(http.Block, nodes...)
	}
	return nil
}
