package njtapi

import (
	"context"
	"net"
	"net/url"
	"strings"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
)

// FindServer finds the http server{} block OpenNJet's APIs address with
// a listen address and a server name (njt_http_get_srv_by_port): servers
// listening on exactly addrPort first, then, for a specific address,
// those listening on the wildcard address of the same port (nginx serves
// a specific address's requests by them too). Names compare without
// case; "" is the name of a server without server_name.
func FindServer(t *dyn.Tree, addrPort, name string) *conf.Node {
	if addrPort == "" {
		return nil
	}
	name = UniqueName(name)
	if s := t.FindServer(addrPort, name); s != nil {
		return s
	}
	host, port, err := net.SplitHostPort(dyn.NormalizeListen(addrPort))
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsUnspecified() {
		return nil
	}
	wild := "0.0.0.0"
	if ip.To4() == nil {
		wild = "::"
	}
	return t.FindServer(net.JoinHostPort(wild, port), name)
}

// UniqueName is OpenNJet's njt_get_command_unique_name: the name read as
// configuration words (quotes removed) and the words joined without
// blanks, so that "= /a", "=/a" and `"=" "/a"` are one location name.
func UniqueName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				b.WriteString(s[i+1:])
				return b.String()
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// Locations returns the location blocks directly inside n (a server or a
// location), in order.
func Locations(n *conf.Node) []*conf.Node { return dyn.Children(n, "location") }

// ChildLocation returns the location directly inside n whose name is
// name (compared as UniqueName).
func ChildLocation(n *conf.Node, name string) *conf.Node {
	want := UniqueName(name)
	for _, l := range Locations(n) {
		if UniqueName(dyn.LocationName(l)) == want {
			return l
		}
	}
	return nil
}

// Pattern is a location's name without its modifier ("/x" of "= /x"), as
// nginx's clcf->name.
func Pattern(loc *conf.Node) string {
	if len(loc.Args) == 0 {
		return ""
	}
	return loc.Args[len(loc.Args)-1]
}

// ServerID is the identity under which a server's dynamic state is
// stored: its first listen address (normalised) and its first name.
func ServerID(srv *conf.Node) (listen, name string) {
	return dyn.ServerListens(srv)[0], dyn.ServerNames(srv)[0]
}

// LocationKey is the store key of per-location state of module:
// "/dyn/<module>/srv/<listen>/<server name>/<location>/<nested>...", each
// part path-escaped, locations by their UniqueName.
func LocationKey(module string, srv *conf.Node, chain []*conf.Node) string {
	names := make([]string, len(chain))
	for i, l := range chain {
		names[i] = dyn.LocationName(l)
	}
	return KeyFor(module, srv, names...)
}

// LocRef is a location named by a store key.
type LocRef struct {
	Listen, Server string
	// Locations are the UniqueNames from the server down.
	Locations []string
}

// ParseLocationKey reads a key made by LocationKey.
func ParseLocationKey(module, key string) (LocRef, bool) {
	rest, ok := strings.CutPrefix(key, dyn.Prefix(module)+"srv/")
	if !ok {
		return LocRef{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return LocRef{}, false
	}
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return LocRef{}, false
		}
		parts[i] = u
	}
	return LocRef{Listen: parts[0], Server: parts[1], Locations: parts[2:]}, true
}

// Resolve finds the server and (when ref names locations) the location
// of ref in t; nil when either is gone.
func Resolve(t *dyn.Tree, ref LocRef) (srv, loc *conf.Node) {
	srv = t.FindServer(ref.Listen, ref.Server)
	if srv == nil {
		return nil, nil
	}
	n := srv
	for _, name := range ref.Locations {
		if n = ChildLocation(n, name); n == nil {
			return srv, nil
		}
	}
	if len(ref.Locations) == 0 {
		return srv, nil
	}
	return srv, n
}

// StateModules are the modules whose state is kept per server or
// location under LocationKey. When a location or a server goes away,
// Cleanup removes their state with it, so that an object added again
// later starts fresh, as it does in OpenNJet.
var StateModules = []string{"dyn_loc", "http_log", "http_dyn_bwlist", "proxy_pass", "http_dyn_header"}

// Cleanup returns the ops deleting every StateModules key of srv (chain
// nil) or of the location chain and the locations inside it.
func Cleanup(ctx context.Context, store dyn.Store, srv *conf.Node, chain []*conf.Node) ([]dyn.Op, error) {
	var ops []dyn.Op
	for _, m := range StateModules {
		key := LocationKey(m, srv, chain)
		list, err := store.List(ctx, key)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.Key == key || strings.HasPrefix(e.Key, key+"/") {
				ops = append(ops, dyn.Op{Key: e.Key})
			}
		}
	}
	return ops, nil
}

// WriteServers writes `"servers":[...]`: every http server with its
// listens, names and locations; loc writes one location object and
// calls nested where its "locations" member goes.
func WriteServers(w *Writer, t *dyn.Tree, loc func(w *Writer, srv *conf.Node, chain []*conf.Node, nested func())) {
	w.Key("servers")
	w.Raw("[")
	for i, srv := range t.Servers() {
		if i > 0 {
			w.Raw(",")
		}
		w.Raw("{")
		w.Key("listens")
		w.Strings(dyn.ServerListens(srv))
		w.Raw(",")
		w.Key("serverNames")
		w.Strings(dyn.ServerNames(srv))
		w.Raw(",")
		w.Key("locations")
		writeLocations(w, srv, srv, nil, loc)
		w.Raw("}")
	}
	w.Raw("]")
}

func writeLocations(w *Writer, srv, parent *conf.Node, chain []*conf.Node, loc func(*Writer, *conf.Node, []*conf.Node, func())) {
	w.Raw("[")
	for i, l := range Locations(parent) {
		if i > 0 {
			w.Raw(",")
		}
		c := append(chain[:len(chain):len(chain)], l)
		loc(w, srv, c, func() {
			if len(Locations(l)) == 0 {
				return
			}
			w.Raw(",")
			w.Key("locations")
			writeLocations(w, srv, l, c, loc)
		})
	}
	w.Raw("]")
}

// KeyFor is LocationKey with the locations given by name.
func KeyFor(module string, srv *conf.Node, locations ...string) string {
	listen, name := ServerID(srv)
	parts := []string{"srv", url.PathEscape(listen), url.PathEscape(name)}
	for _, l := range locations {
		parts = append(parts, url.PathEscape(UniqueName(l)))
	}
	return dyn.Key(module, parts...)
}

// NewNode makes a directive written by module: its File ("dyn:<module>")
// tells where it comes from in error messages and marks it as dynamic.
func NewNode(module, name string, args ...string) *conf.Node {
	n := dyn.NewNode(name, args...)
	n.File = "dyn:" + module
	return n
}

// RemoveDirectives deletes the simple directives called name directly
// inside n.
func RemoveDirectives(n *conf.Node, name string) {
	kept := n.Block[:0:0]
	for _, c := range n.Block {
		if c.Name != name || c.Block != nil {
			kept = append(kept, c)
		}
	}
	n.Block = kept
}
