package vts

import (
	"strings"
	"sync/atomic"

	"github.com/gonjet/gonjet/upstream"
)

// view is what a zone knows of one configuration that uses it: its
// upstream{} blocks, which the status document lists peer by peer even
// before they served a request. The display may live in another
// configuration (OpenNJet's control plane), so the zone keeps the views
// of the configurations that collect into it and shows the newest one
// that has served a request.
type view struct {
	gen    uint64
	served atomic.Bool
	groups []*group
	byName map[string]*group // lower-case name
	// byPeer maps a peer address to the group holding it, nil when
	// several groups hold it; for content handlers that do not say which
	// upstream they used.
	byPeer map[string]*group
}

// group is one upstream{} block.
type group struct {
	name string
	up   *upstream.Upstream
	// keys holds each peer's node key, so that counting a try builds no
	// string.
	keys map[string]string
}

// newView describes the upstream{} blocks ups.
func newView(ups []*upstream.Upstream) *view {
	v := &view{}
	v.fill(ups)
	return v
}

// fill describes the upstream{} blocks ups; it runs before the view is
// shared.
func (v *view) fill(ups []*upstream.Upstream) {
	v.groups = nil
	v.byName = map[string]*group{}
	v.byPeer = map[string]*group{}
	ambiguous := map[string]bool{}
	for _, u := range ups {
		g := &group{name: u.Name(), up: u, keys: map[string]string{}}
		for _, p := range u.Peers() {
			g.keys[p.Name] = nodeKey(KindUpstreamGroup, g.name, p.Name)
			if o, ok := v.byPeer[p.Name]; ok && o != g {
				ambiguous[p.Name] = true
			}
			v.byPeer[p.Name] = g
		}
		v.groups = append(v.groups, g)
		v.byName[strings.ToLower(g.name)] = g
	}
	for p := range ambiguous {
		v.byPeer[p] = nil
	}
}

// addView registers v as the zone's newest view.
func (z *Zone) addView(v *view) {
	z.viewMu.Lock()
	defer z.viewMu.Unlock()
	z.gen++
	v.gen = z.gen
	z.views = append(z.views, v)
}

// removeView forgets v (its configuration was retired).
func (z *Zone) removeView(v *view) {
	z.viewMu.Lock()
	defer z.viewMu.Unlock()
	for i, o := range z.views {
		if o == v {
			z.views = append(z.views[:i], z.views[i+1:]...)
			return
		}
	}
}

// currentView is the newest view that has served a request, else the
// newest view; nil when no configuration collects into the zone.
func (z *Zone) currentView() *view {
	z.viewMu.Lock()
	defer z.viewMu.Unlock()
	for i := len(z.views) - 1; i >= 0; i-- {
		if z.views[i].served.Load() {
			return z.views[i]
		}
	}
	if len(z.views) > 0 {
		return z.views[len(z.views)-1]
	}
	return nil
}
