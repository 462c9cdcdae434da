package upstreamapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/dyn"
)

// handler serves /api/v1/upstream_api/{http|stream}/upstreams/... with
// OpenNJet's path rules: empty segments are skipped, segments past the
// server ID are ignored.
type handler struct {
	rt *dyn.Runtime
}

// methodNotSupported is OpenNJet's answer to PUT and other methods: a 404
// whose body says 405.
var methodNotSupported = &Error{Status: 405, Text: "method not supported", Code: "MethodNotSupported", HTTPStatus: 404}

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	var seg []string
	for _, s := range strings.Split(strings.TrimPrefix(r.URL.Path, "/upstream_api"), "/") {
		if s != "" {
			seg = append(seg, s)
		}
	}
	if err := h.route(w, r, seg); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = formatError(err.Error())
		}
		writeError(w, e)
	}
}

func (h *handler) route(w http.ResponseWriter, r *http.Request, seg []string) error {
	if len(seg) < 2 || seg[1] != "upstreams" || (seg[0] != "http" && seg[0] != "stream") {
		return ErrPathNotFound
	}
	if r.Method == http.MethodPost && len(seg) < 4 {
		return ErrMethod
	}
	if seg[0] == "stream" {
		// GoNJet's stream upstreams are not managed by this API: OpenNJet
		// answers so when the configuration has none.
		return ErrPathNotFound
	}
	ctx := r.Context()
	if len(seg) == 2 {
		if r.Method != http.MethodGet {
			return methodNotSupported
		}
		list, err := List(ctx, h.rt)
		if err != nil {
			return err
		}
		dyn.WriteJSON(w, http.StatusOK, list)
		return nil
	}
	name := seg[2]
	if _, err := lookup(h.rt, name); err != nil {
		return err
	}
	if len(seg) == 3 {
		switch r.Method {
		case http.MethodGet:
			u, err := Status(ctx, h.rt, name)
			if err != nil {
				return err
			}
			dyn.WriteJSON(w, http.StatusOK, u)
		case http.MethodDelete:
			if err := ResetStats(ctx, h.rt, name); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			return methodNotSupported
		}
		return nil
	}
	if seg[3] != "servers" {
		return ErrPathNotFound
	}
	if len(seg) == 4 {
		switch r.Method {
		case http.MethodGet:
			list, err := Servers(ctx, h.rt, name)
			if err != nil {
				return err
			}
			dyn.WriteJSON(w, http.StatusOK, list)
		case http.MethodPost:
			p, err := readPatch(r)
			if err != nil {
				return err
			}
			s, err := AddServer(ctx, h.rt, name, p)
			if err != nil {
				return err
			}
			dyn.WriteJSON(w, http.StatusCreated, s)
		default:
			return methodNotSupported
		}
		return nil
	}
	id, err := strconv.Atoi(seg[4])
	if err != nil || id < 0 {
		return ErrBadServerID
	}
	switch r.Method {
	case http.MethodGet:
		s, err := GetServer(ctx, h.rt, name, id)
		if err != nil {
			return err
		}
		dyn.WriteJSON(w, http.StatusOK, s)
	case http.MethodPatch:
		p, err := readPatch(r)
		if err != nil {
			return err
		}
		s, err := PatchServer(ctx, h.rt, name, id, p)
		if err != nil {
			return err
		}
		dyn.WriteJSON(w, http.StatusOK, s)
	case http.MethodDelete:
		u, err := DeleteServer(ctx, h.rt, name, id)
		if err != nil {
			return err
		}
		dyn.WriteJSON(w, http.StatusOK, u)
	default:
		return methodNotSupported
	}
	return nil
}

// readPatch decodes a member body strictly: unknown fields, wrong types,
// nested values and trailing data are OpenNJet's JsonError.
func readPatch(r *http.Request) (Patch, error) {
	body, err := dyn.ReadBody(r)
	if errors.Is(err, dyn.ErrBodyTooLarge) {
		return Patch{}, ErrTooLarge
	}
	if err != nil {
		return Patch{}, ErrJSON
	}
	return ParsePatch(body)
}

// ParsePatch decodes a member JSON body as the API does.
func ParsePatch(body []byte) (Patch, error) {
	var p Patch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Patch{}, ErrJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return Patch{}, ErrJSON
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("null")) {
		return Patch{}, ErrJSON
	}
	return p, nil
}
