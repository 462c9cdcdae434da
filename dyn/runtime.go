package dyn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Root is the store prefix of every dynamic module's keys.
const Root = "/dyn/"

// maxConflictRetries bounds how often Change re-reads the store when
// another writer changed it between the read and the write.
const maxConflictRetries = 8

// Runtime keeps a running gateway in step with the store: the gateway's
// configuration is always the base njet.conf nodes edited by every
// registered module from its stored entries. Changes made through Change
// are built before they are written, so a change that does not build is
// never stored; changes written by other nodes sharing the store arrive
// through Watch and are built the same way.
type Runtime struct {
	// Load makes a built configuration current. Nil loads it into the
	// gateway given to NewRuntime. The njet command sets it to also open
	// and close listen sockets for added or removed servers.
	Load func(res *conf.Result) error
	// Logf receives messages about changes that could not be applied
	// (replay at start, changes from other nodes). Nil writes them to the
	// current configuration's error log.
	Logf func(format string, args ...any)

	store Store
	g     *gateway.Gateway

	mu      sync.Mutex // serialises builds: control plane only
	base    []*conf.Node
	opt     conf.Options
	applied uint64 // store version of the configuration loaded last
	tree    *Tree  // nodes of the configuration loaded last
	res     *conf.Result
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	// loaded is closed (and replaced) every time applied grows.
	loaded chan struct{}
}

// NewRuntime returns a runtime that edits base (the parsed njet.conf,
// conf.Result.Nodes) with the stored dynamic state and loads the result
// into g. opt is used for every build (Prefix, ConfPrefix, Globals);
// Prev is set to the gateway's current configuration on each build, so
// upstream peer state and other kept state survive every change.
func NewRuntime(store Store, g *gateway.Gateway, base []*conf.Node, opt conf.Options) (*Runtime, error) {
	if store == nil {
		return nil, errors.New("dyn: nil store")
	}
	if g == nil {
		return nil, errors.New("dyn: nil gateway")
	}
	return &Runtime{store: store, g: g, base: CloneNodes(base), opt: opt, loaded: make(chan struct{})}, nil
}

// Store returns the runtime's store.
func (rt *Runtime) Store() Store { return rt.store }

// Gateway returns the gateway the runtime loads.
func (rt *Runtime) Gateway() *gateway.Gateway { return rt.g }

// Prefix returns the -p prefix of the builds, with a trailing slash.
func (rt *Runtime) Prefix() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.prefix()
}

func (rt *Runtime) prefix() string {
	p := rt.opt.Prefix
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// Current returns the configuration being served.
func (rt *Runtime) Current() *gateway.Config { return rt.g.Config() }

// Tree returns a copy of the node tree of the configuration loaded last
// (base plus dynamic edits); nil before Start.
func (rt *Runtime) Tree() *Tree {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.tree == nil {
		return nil
	}
	t := NewTree(rt.tree.Nodes)
	t.Prefix = rt.tree.Prefix
	return t
}

// Result returns the build result of the configuration loaded last.
func (rt *Runtime) Result() *conf.Result {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.res
}

// Start replays the store into the gateway (base + stored state → build
// → load) and then follows changes other writers make to the store until
// ctx ends or Stop is called. A module whose stored state no longer
// builds against the base (njet.conf was changed) is left out and
// reported through Logf; Start fails only when the base itself does not
// build.
func (rt *Runtime) Start(ctx context.Context) error {
	rt.mu.Lock()
	if rt.started {
		rt.mu.Unlock()
		return errors.New("dyn: runtime already started")
	}
	wctx, cancel := context.WithCancel(ctx)
	events, err := rt.store.Watch(wctx, Root)
	if err != nil {
		rt.mu.Unlock()
		cancel()
		return err
	}
	if err := rt.replayLocked(ctx); err != nil {
		rt.mu.Unlock()
		cancel()
		return err
	}
	rt.started = true
	rt.cancel = cancel
	rt.done = make(chan struct{})
	rt.mu.Unlock()
	go rt.follow(wctx, events)
	return nil
}

// Stop ends following the store; the gateway keeps its configuration.
func (rt *Runtime) Stop() {
	rt.mu.Lock()
	cancel, done := rt.cancel, rt.done
	rt.cancel = nil
	rt.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// SetBase replaces the base nodes (after njet.conf was re-read on a
// reload) and rebuilds with the stored state.
func (rt *Runtime) SetBase(ctx context.Context, base []*conf.Node, opt conf.Options) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	old, oldOpt := rt.base, rt.opt
	rt.base, rt.opt = CloneNodes(base), opt
	if err := rt.replayLocked(ctx); err != nil {
		rt.base, rt.opt = old, oldOpt
		return err
	}
	return nil
}

// replayLocked builds everything stored. When that fails (njet.conf
// changed under stored state), it adds the modules one by one in rebuild
// order, and the entries of a module that breaks the build one by one,
// leaving out (and logging) those that do not build, so that the rest
// still applies.
func (rt *Runtime) replayLocked(ctx context.Context) error {
	entries, ver, err := rt.snapshot(ctx)
	if err != nil {
		return err
	}
	res, tree, err := rt.build(entries)
	if err != nil {
		accepted := map[string][]Entry{}
		for _, m := range Modules() {
			name := m.Name()
			if len(entries[name]) == 0 {
				continue
			}
			accepted[name] = entries[name]
			if _, _, err := rt.buildDiscard(accepted); err == nil {
				continue
			}
			accepted[name] = nil
			for _, e := range entries[name] {
				accepted[name] = append(accepted[name], e)
				if _, _, err := rt.buildDiscard(accepted); err != nil {
					accepted[name] = accepted[name][:len(accepted[name])-1]
					rt.logf("dynamic state \"%s\" not applied: %v", e.Key, err)
				}
			}
		}
		if res, tree, err = rt.build(accepted); err != nil {
			return err
		}
	}
	return rt.loadLocked(res, tree, ver)
}

// buildDiscard builds entries to see whether they build.
func (rt *Runtime) buildDiscard(entries map[string][]Entry) (*conf.Result, *Tree, error) {
	res, t, err := rt.build(entries)
	if err == nil {
		discard(res)
	}
	return res, t, err
}

// snapshot reads every stored entry, grouped by module, and the highest
// version among them.
func (rt *Runtime) snapshot(ctx context.Context) (map[string][]Entry, uint64, error) {
	list, err := rt.store.List(ctx, Root)
	if err != nil {
		return nil, 0, err
	}
	out := map[string][]Entry{}
	var ver uint64
	for _, e := range list {
		if rebuilds(e.Key) {
			out[moduleOf(e.Key)] = append(out[moduleOf(e.Key)], e)
			ver = max(ver, e.Version)
		}
	}
	return out, ver, nil
}

// moduleOf returns the module name of a key "/dyn/<module>/...".
func moduleOf(key string) string {
	rest := strings.TrimPrefix(key, Root)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}

// ModuleError is a rebuild failure caused by one module's edit.
type ModuleError struct {
	Module string
	Err    error
}

func (e *ModuleError) Error() string { return e.Err.Error() }
func (e *ModuleError) Unwrap() error { return e.Err }

// build edits a copy of the base with entries and builds it, without
// loading it.
func (rt *Runtime) build(entries map[string][]Entry) (*conf.Result, *Tree, error) {
	t := NewTree(rt.base)
	t.Prefix = rt.prefix()
	for _, m := range Modules() {
		if err := safeEdit(m, t, entries[m.Name()]); err != nil {
			return nil, nil, &ModuleError{Module: m.Name(), Err: err}
		}
	}
	opt := rt.opt
	opt.Prev = rt.g.Config()
	res, err := conf.Build(CloneNodes(t.Nodes), opt)
	if err != nil {
		return nil, nil, err
	}
	if err := res.Config.Prepare(); err != nil {
		discard(res)
		return nil, nil, err
	}
	return res, t, nil
}

// safeEdit runs a module's edit; a panic becomes an error so that a bad
// module cannot take the control plane down.
func safeEdit(m Module, t *Tree, entries []Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("module %s: panic: %v", m.Name(), r)
		}
	}()
	return m.Edit(t, entries)
}

// discard releases what a configuration that will never be served holds.
func discard(res *conf.Result) {
	for _, f := range res.Config.Closers {
		f()
	}
}

func (rt *Runtime) loadLocked(res *conf.Result, t *Tree, ver uint64) error {
	load := rt.Load
	if load == nil {
		load = func(r *conf.Result) error { return rt.g.Load(r.Config) }
	}
	if err := load(res); err != nil {
		discard(res)
		return err
	}
	rt.res, rt.tree = res, t
	rt.advance(ver)
	return nil
}

// advance records that the store state up to ver is served.
func (rt *Runtime) advance(ver uint64) {
	if ver > rt.applied {
		rt.applied = ver
		close(rt.loaded)
		rt.loaded = make(chan struct{})
	}
}

// Version returns the store version the served configuration reflects.
func (rt *Runtime) Version() uint64 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.applied
}

// Wait blocks until the served configuration reflects the store at
// version (a change made through another runtime sharing the store has
// been followed), or ctx ends.
func (rt *Runtime) Wait(ctx context.Context, version uint64) error {
	for {
		rt.mu.Lock()
		applied, ch := rt.applied, rt.loaded
		rt.mu.Unlock()
		if applied >= version {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Change writes ops to the store and loads the configuration they give,
// all or nothing: the new state is built first (base + stored entries +
// ops); when that fails the store is not touched and the error is
// returned (a *ModuleError when a module's edit refused it, the builder's
// error otherwise). An Op whose IfVersion does not hold gives an error
// wrapping ErrConflict.
func (rt *Runtime) Change(ctx context.Context, ops ...Op) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for attempt := 0; ; attempt++ {
		err := rt.changeLocked(ctx, ops)
		if !errors.Is(err, errRetry) {
			return err
		}
		if attempt >= maxConflictRetries {
			return fmt.Errorf("%w: store keeps changing", ErrConflict)
		}
	}
}

// errRetry marks a write that lost a race with another writer on a
// condition Change added itself (not one the caller asked for).
var errRetry = errors.New("dyn: retry")

func (rt *Runtime) changeLocked(ctx context.Context, ops []Op) error {
	needBuild := false
	for _, op := range ops {
		if !strings.HasPrefix(op.Key, Root) {
			return fmt.Errorf("dyn: key %q outside %s", op.Key, Root)
		}
		needBuild = needBuild || rebuilds(op.Key)
	}
	if !needBuild {
		_, err := rt.store.Apply(ctx, ops...)
		return err
	}
	list, err := rt.store.List(ctx, Root)
	if err != nil {
		return err
	}
	cur := make(map[string]Entry, len(list))
	for _, e := range list {
		cur[e.Key] = e
	}
	// Caller conditions are checked here so that a failed one is
	// reported without building.
	guarded := make([]Op, len(ops))
	for i, op := range ops {
		e, ok := cur[op.Key]
		switch {
		case op.IfVersion == MustNotExist && ok,
			op.IfVersion != 0 && op.IfVersion != MustNotExist && (!ok || e.Version != op.IfVersion):
			return fmt.Errorf("%w: %s", ErrConflict, op.Key)
		}
		g := op
		if g.IfVersion == 0 {
			// Guard against a write made by someone else since List:
			// the build below would not have seen it.
			if ok {
				g.IfVersion = e.Version
			} else {
				g.IfVersion = MustNotExist
			}
		}
		guarded[i] = g
		if op.Value == nil {
			delete(cur, op.Key)
		} else {
			cur[op.Key] = Entry{Key: op.Key, Value: op.Value}
		}
	}
	entries := map[string][]Entry{}
	for _, e := range sortedEntries(cur) {
		entries[moduleOf(e.Key)] = append(entries[moduleOf(e.Key)], e)
	}
	res, tree, err := rt.build(entries)
	if err != nil {
		return err
	}
	ver, err := rt.store.Apply(ctx, guarded...)
	if err != nil {
		discard(res)
		if errors.Is(err, ErrConflict) {
			return errRetry
		}
		return err
	}
	if err := rt.loadLocked(res, tree, ver); err != nil {
		// The stored state no longer matches what is served: put the
		// previous values back.
		rt.rollback(ctx, ops, list, ver)
		return err
	}
	return nil
}

// rollback restores the entries ops changed, unless someone changed them
// again since version ver.
func (rt *Runtime) rollback(ctx context.Context, ops []Op, before []Entry, ver uint64) {
	prev := make(map[string]Entry, len(before))
	for _, e := range before {
		prev[e.Key] = e
	}
	var undo []Op
	for _, op := range ops {
		u := Op{Key: op.Key, IfVersion: ver}
		if op.Value == nil {
			u.IfVersion = MustNotExist
		}
		if e, ok := prev[op.Key]; ok {
			u.Value = e.Value
		}
		undo = append(undo, u)
	}
	if _, err := rt.store.Apply(ctx, undo...); err != nil {
		rt.logf("dynamic change rollback failed: %v", err)
	}
}

// follow rebuilds when another writer changes the store.
func (rt *Runtime) follow(ctx context.Context, events <-chan Event) {
	defer close(rt.done)
	for {
		var ev Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case ev, ok = <-events:
			if !ok {
				return
			}
		}
		var newest uint64
		if rebuilds(ev.Key) {
			newest = ev.Version
		}
		// Take every event already queued: one rebuild covers them.
	drain:
		for {
			select {
			case e, ok := <-events:
				if !ok {
					break drain
				}
				if rebuilds(e.Key) {
					newest = max(newest, e.Version)
				}
			default:
				break drain
			}
		}
		if newest == 0 {
			continue
		}
		rt.mu.Lock()
		if newest > rt.applied {
			if err := rt.replayLocked(ctx); err != nil {
				rt.logf("dynamic change from the store not applied: %v", err)
			}
			rt.advance(newest)
		}
		rt.mu.Unlock()
	}
}

func (rt *Runtime) logf(format string, args ...any) {
	if rt.Logf != nil {
		rt.Logf(format, args...)
		return
	}
	msg := fmt.Sprintf(format, args...)
	if cfg := rt.g.Config(); cfg != nil && cfg.ErrorLog != nil {
		if cfg.ErrorLog.Enabled(gateway.LevelError) {
			cfg.ErrorLog.Log(gateway.LevelError, 0, msg)
		}
		return
	}
	fmt.Fprintln(stderr, msg)
}
