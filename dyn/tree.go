package dyn

import (
	"net"
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/gateway/conf"
)

// Tree is the configuration node tree a rebuild edits: a deep copy of
// the base njet.conf nodes, changed by every module in turn. Modules may
// change the nodes freely; the base is never touched.
type Tree struct {
	Nodes []*conf.Node
	// Prefix is the -p prefix of the build (with a trailing slash), where
	// modules place files named in their messages.
	Prefix string
}

// NewTree returns a tree holding a deep copy of nodes.
func NewTree(nodes []*conf.Node) *Tree { return &Tree{Nodes: CloneNodes(nodes)} }

// CloneNodes deep-copies a node list (arguments and blocks).
func CloneNodes(nodes []*conf.Node) []*conf.Node {
	if nodes == nil {
		return nil
	}
	out := make([]*conf.Node, len(nodes))
	for i, n := range nodes {
		out[i] = CloneNode(n)
	}
	return out
}

// CloneNode deep-copies one node.
func CloneNode(n *conf.Node) *conf.Node {
	c := *n
	c.Args = append([]string(nil), n.Args...)
	c.Quoted = append([]bool(nil), n.Quoted...)
	if n.Block != nil {
		c.Block = CloneNodes(n.Block)
	}
	return &c
}

// HTTP returns the http{} block, nil when the configuration has none.
func (t *Tree) HTTP() *conf.Node { return findChild(t.Nodes, "http") }

// Stream returns the stream{} block, nil when there is none.
func (t *Tree) Stream() *conf.Node { return findChild(t.Nodes, "stream") }

func findChild(nodes []*conf.Node, name string) *conf.Node {
	for _, n := range nodes {
		if n.Name == name && n.Block != nil {
			return n
		}
	}
	return nil
}

// Servers returns the server{} blocks of http{}.
func (t *Tree) Servers() []*conf.Node {
	return Children(t.HTTP(), "server")
}

// Children returns the block directives called name directly inside n.
func Children(n *conf.Node, name string) []*conf.Node {
	if n == nil {
		return nil
	}
	var out []*conf.Node
	for _, c := range n.Block {
		if c.Name == name && c.Block != nil {
			out = append(out, c)
		}
	}
	return out
}

// Directive returns the first simple or block directive called name
// directly inside n.
func Directive(n *conf.Node, name string) *conf.Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Block {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// FindServer returns the http server{} block listening on listen (as
// "addr:port", "port", "*:port"; compared after normalising to
// "0.0.0.0:port" forms) whose server_name list holds serverName. An empty
// serverName matches a server without server_name or with "" among its
// names. When several match, the first in the file wins, as nginx's
// duplicate name warning keeps the first.
func (t *Tree) FindServer(listen, serverName string) *conf.Node {
	want := NormalizeListen(listen)
	for _, srv := range t.Servers() {
		if !serverListens(srv, want) {
			continue
		}
		if serverHasName(srv, serverName) {
			return srv
		}
	}
	return nil
}

// ServerListens returns the normalised addresses a server{} block listens
// on ("0.0.0.0:80" when it has no listen directive).
func ServerListens(srv *conf.Node) []string {
	var out []string
	for _, c := range srv.Block {
		if c.Name == "listen" && len(c.Args) > 0 {
			out = append(out, NormalizeListen(c.Args[0]))
		}
	}
	if len(out) == 0 {
		out = append(out, "0.0.0.0:80")
	}
	return out
}

// ServerNames returns the names of a server{} block's server_name
// directives ("" when it has none, which is nginx's default name).
func ServerNames(srv *conf.Node) []string {
	var out []string
	for _, c := range srv.Block {
		if c.Name == "server_name" {
			out = append(out, c.Args...)
		}
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

func serverListens(srv *conf.Node, want string) bool {
	for _, l := range ServerListens(srv) {
		if l == want {
			return true
		}
	}
	return false
}

func serverHasName(srv *conf.Node, name string) bool {
	for _, n := range ServerNames(srv) {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// NormalizeListen turns a listen address into "ip:port" form: a bare
// port and "*:port" become "0.0.0.0:port", "localhost" becomes
// 127.0.0.1, a missing port is 80; unix: addresses are kept.
func NormalizeListen(s string) string {
	if strings.HasPrefix(s, "unix:") {
		return s
	}
	if _, err := strconv.Atoi(s); err == nil {
		return "0.0.0.0:" + s
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.Trim(s, "[]"), "80"
	}
	switch host {
	case "*", "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// LocationName is the name of a location block as OpenNJet's dynamic
// location API writes it: the modifier (if any) and the pattern joined
// by a space ("/a", "= /a", "~ ^/x", "@named").
func LocationName(loc *conf.Node) string { return strings.Join(loc.Args, " ") }

// FindLocation returns the location block called name (see LocationName;
// blanks are normalised, so "=/a" and "= /a" are the same) inside block
// n (a server or a location), searching nested locations depth first.
// parent is the block holding the location, for removal.
func FindLocation(n *conf.Node, name string) (loc, parent *conf.Node) {
	want := normLocName(name)
	if n == nil {
		return nil, nil
	}
	for _, c := range n.Block {
		if c.Name != "location" || c.Block == nil {
			continue
		}
		if normLocName(LocationName(c)) == want {
			return c, n
		}
		if l, p := FindLocation(c, name); l != nil {
			return l, p
		}
	}
	return nil, nil
}

// normLocName puts a location name in "modifier pattern" form.
func normLocName(s string) string {
	s = strings.TrimSpace(s)
	for _, mod := range []string{"^~", "~*", "=", "~"} {
		if strings.HasPrefix(s, mod) {
			return mod + " " + strings.TrimSpace(s[len(mod):])
		}
	}
	return s
}

// FindUpstream returns the http upstream{} block called name.
func (t *Tree) FindUpstream(name string) *conf.Node {
	return findNamed(t.HTTP(), "upstream", name)
}

// FindStreamUpstream returns the stream upstream{} block called name.
func (t *Tree) FindStreamUpstream(name string) *conf.Node {
	return findNamed(t.Stream(), "upstream", name)
}

func findNamed(n *conf.Node, dir, name string) *conf.Node {
	for _, c := range Children(n, dir) {
		if len(c.Args) > 0 && c.Args[0] == name {
			return c
		}
	}
	return nil
}

// Remove deletes child from parent's block; it reports whether it was
// there.
func Remove(parent, child *conf.Node) bool {
	for i, c := range parent.Block {
		if c == child {
			parent.Block = append(parent.Block[:i], parent.Block[i+1:]...)
			return true
		}
	}
	return false
}

// Insert adds nodes to parent's block before the first directive called
// before (at the end when there is none or before is "").
func Insert(parent *conf.Node, before string, nodes ...*conf.Node) {
	at := len(parent.Block)
	if before != "" {
		for i, c := range parent.Block {
			if c.Name == before {
				at = i
				break
			}
		}
	}
	blk := make([]*conf.Node, 0, len(parent.Block)+len(nodes))
	blk = append(blk, parent.Block[:at]...)
	blk = append(blk, nodes...)
	blk = append(blk, parent.Block[at:]...)
	parent.Block = blk
}

// ParseSnippet parses configuration text given through the API (a
// location body, an upstream block) into nodes; file names the source in
// error messages.
func ParseSnippet(file, src string) ([]*conf.Node, error) {
	nodes, err := conf.Parse(file, []byte(src))
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

// NewNode makes a simple directive node.
func NewNode(name string, args ...string) *conf.Node {
	return &conf.Node{Name: name, Args: args, Quoted: make([]bool, len(args)), File: "dyn"}
}

// NewBlock makes a block directive node.
func NewBlock(name string, args []string, block ...*conf.Node) *conf.Node {
	n := NewNode(name, args...)
	n.Block = append([]*conf.Node{}, block...)
	return n
}
