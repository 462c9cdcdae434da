package kv

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Name is the module's API and store name.
const Name = "kv"

// Key returns the store key of KV key k.
func Key(k string) string { return dyn.Key(Name, url.PathEscape(k)) }

type module struct{}

func init() {
	dyn.Register(module{})
	accept := func(_ *conf.Block, _ *conf.Node) error { return nil }
	conf.Register(&conf.Module{Name: "kv", Directives: []conf.Directive{
		{Name: "dyn_kv_conf", Context: conf.HTTP, Args: conf.Take1, Set: accept},
		{Name: "dyn_sendmsg_conf", Context: conf.HTTP, Args: conf.NoArgs | conf.Take1, Set: accept},
		{Name: "dyn_sendmsg_rpc_timeout", Context: conf.HTTP, Args: conf.Take1, Set: func(_ *conf.Block, n *conf.Node) error {
			if _, err := conf.ParseDuration(n.Args[0]); err != nil {
				return conf.Errorf(n, "invalid value \"%s\" in \"%s\" directive", n.Args[0], n.Name)
			}
			return nil
		}},
	}})
}

func (module) Name() string                      { return Name }
func (module) Order() int                        { return 0 }
func (module) StoreOnly()                        {}
func (module) Edit(*dyn.Tree, []dyn.Entry) error { return nil }

func (module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{store: rt.Store()}
	r.HandleFunc("/kv", h.serve)
	r.HandleFunc("/kv/*", h.serve)
}

// Set stores value under key.
func Set(ctx context.Context, s dyn.Store, key, value string) error {
	_, err := s.Apply(ctx, dyn.Op{Key: Key(key), Value: []byte(value)})
	return err
}

// Get returns the value of key; ok is false when there is none.
func Get(ctx context.Context, s dyn.Store, key string) (value string, ok bool, err error) {
	e, ok, err := s.Get(ctx, Key(key))
	if err != nil || !ok {
		return "", false, err
	}
	return string(e.Value), true, nil
}

// Delete removes key; ok is false when it was not there.
func Delete(ctx context.Context, s dyn.Store, key string) (ok bool, err error) {
	for {
		e, ok, err := s.Get(ctx, Key(key))
		if err != nil || !ok {
			return false, err
		}
		_, err = s.Apply(ctx, dyn.Op{Key: Key(key), IfVersion: e.Version})
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, dyn.ErrConflict) {
			return false, err
		}
	}
}

// Change is one KV change seen by Watch.
type Change struct {
	Key     string
	Value   string
	Deleted bool
}

// Watch delivers every KV change made after the call until ctx ends.
func Watch(ctx context.Context, s dyn.Store) (<-chan Change, error) {
	events, err := s.Watch(ctx, dyn.Prefix(Name))
	if err != nil {
		return nil, err
	}
	out := make(chan Change)
	go func() {
		defer close(out)
		for ev := range events {
			k, err := url.PathUnescape(strings.TrimPrefix(ev.Key, dyn.Prefix(Name)))
			if err != nil {
				continue
			}
			select {
			case out <- Change{Key: k, Value: string(ev.Value), Deleted: ev.Deleted}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

type handler struct {
	store dyn.Store
}

const (
	msgMissing = "key is not existed in db\n"
	msgDeleted = "key is deleted from db\n"
)

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	switch r.Method {
	case http.MethodPost:
		body, err := dyn.ReadBody(r)
		var kvd struct {
			Key   *string `json:"key"`
			Value *string `json:"value"`
		}
		if err != nil || json.Unmarshal(body, &kvd) != nil || kvd.Key == nil || kvd.Value == nil || *kvd.Key == "" {
			dyn.StatusPage(w, http.StatusBadRequest)
			return
		}
		if err := Set(ctx, h.store, *kvd.Key, *kvd.Value); err != nil {
			dyn.ServerError(w)
			return
		}
		dyn.WriteRaw(w, http.StatusOK, "", nil)
	case http.MethodGet:
		k := r.URL.Query().Get("key")
		v, ok, err := Get(ctx, h.store, k)
		switch {
		case err != nil:
			dyn.ServerError(w)
		case !ok || k == "" || v == "":
			dyn.WriteRaw(w, http.StatusNotFound, "text/plain", []byte(msgMissing))
		default:
			dyn.WriteRaw(w, http.StatusOK, "text/plain", []byte(v))
		}
	case http.MethodDelete:
		k := r.URL.Query().Get("key")
		ok, err := false, error(nil)
		if k != "" {
			ok, err = Delete(ctx, h.store, k)
		}
		switch {
		case err != nil:
			dyn.ServerError(w)
		case !ok:
			dyn.WriteRaw(w, http.StatusNotFound, "text/plain", []byte(msgMissing))
		default:
			dyn.WriteRaw(w, http.StatusOK, "text/plain", []byte(msgDeleted))
		}
	default:
		dyn.StatusPage(w, http.StatusMethodNotAllowed)
	}
}
