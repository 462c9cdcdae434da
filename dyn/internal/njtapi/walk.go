package njtapi

import (
	"fmt"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Walk applies the "servers" list of a declarative PUT to the tree the
// way OpenNJet's location modules do (njt_dyn_*_update_locs): a server
// is addressed by its first listen and first name; each listed location
// is looked up among the locations directly inside its parent, errors
// are recorded under the path of the object they concern, and a server
// that was found counts as applied.
type Walk struct {
	Tree *dyn.Tree
	Res  *Result
	// PathSuffix follows ".locations[name]" in error paths (proxy_pass
	// writes ":").
	PathSuffix string
	// NoNameMsg is the error for a location object without a name; it
	// takes the index.
	NoNameMsg string
	// Apply handles one listed location found in the tree; chain runs
	// from the server's location down to it.
	Apply func(srv *conf.Node, chain []*conf.Node, item *Obj)
}

// Servers walks the server objects of a PUT body.
func (w *Walk) Servers(items []*Obj) {
	w.Res.SetPath("")
	for i, s := range items {
		listens, names := s.Strs("listens"), s.Strs("serverNames")
		if len(listens) < 1 || len(names) < 1 {
			w.Res.Error(fmt.Sprintf(" server parameters error, listens or serverNames is empty,at position %d", i))
			continue
		}
		w.Res.SetPath(fmt.Sprintf("servers[%s,%s]", listens[0], names[0]))
		srv := FindServer(w.Tree, listens[0], names[0])
		if srv == nil {
			w.Res.Error("can not find server.")
			continue
		}
		w.locations(srv, srv, nil, s.Objs("locations"))
		w.Res.OK()
	}
}

func (w *Walk) locations(srv, parent *conf.Node, chain []*conf.Node, items []*Obj) {
	// OpenNJet skips the list of a block that has no locations at all.
	if len(Locations(parent)) == 0 {
		return
	}
	parentPath := w.Res.Path()
	for j, it := range items {
		if !it.Has("location") {
			w.Res.Error(fmt.Sprintf(w.NoNameMsg, j))
			continue
		}
		name := it.Str("location")
		w.Res.SetPath(parentPath)
		w.Res.AppendPath(".locations[" + name + "]" + w.PathSuffix)
		loc := ChildLocation(parent, name)
		if loc == nil {
			w.Res.Error(" location not found")
			continue
		}
		c := append(chain[:len(chain):len(chain)], loc)
		w.Apply(srv, c, it)
		if nested := it.Objs("locations"); len(nested) > 0 {
			saved := w.Res.Path()
			w.locations(srv, loc, c, nested)
			w.Res.SetPath(saved)
		}
	}
}
