package dynups

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gonjet/gonjet/dyn"
)

type handler struct {
	rt *dyn.Runtime
}

// reject answers a request refused before reaching the data plane:
// OpenNJet sends 400 with an rpc-result body labelled text/plain.
func reject(w http.ResponseWriter, msg string) {
	body, _ := dyn.Marshal(dyn.Result{Code: dyn.CodeUpdateError, Msg: msg})
	dyn.WriteRaw(w, http.StatusBadRequest, "text/plain", body)
}

// change serves POST (add) and PUT (del) /api/v1/dyn_ups.
func (h *handler) change(w http.ResponseWriter, r *http.Request) {
	body, err := dyn.ReadBody(r)
	var fields map[string]json.RawMessage
	if err != nil || json.Unmarshal(body, &fields) != nil || fields == nil {
		reject(w, "json parser error!")
		return
	}
	var typ, name, ups string
	for k, v := range fields {
		var dst *string
		switch k {
		case "type":
			dst = &typ
		case "upstream_name":
			dst = &name
		case "upstream_body":
			dst = &ups
		default:
			reject(w, fmt.Sprintf("invalid parameter:%s!", k))
			return
		}
		if json.Unmarshal(v, dst) != nil {
			reject(w, k+" error!")
			return
		}
	}
	switch {
	case typ == "add" && r.Method != http.MethodPost:
		reject(w, "no support method when add server!")
		return
	case typ == "del" && r.Method != http.MethodPut:
		reject(w, "no support method when del server!")
		return
	case typ != "add" && typ != "del":
		reject(w, "type error!!!")
		return
	}
	if typ == "add" {
		err = Add(r.Context(), h.rt, name, ups)
	} else {
		err = Delete(r.Context(), h.rt, name)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: dyn.CodeUpdateError, Msg: err.Error()}
		}
		dyn.Reply(w, http.StatusOK, e.Code, e.Msg)
		return
	}
	dyn.Success(w)
}

// list serves GET /api/v1/config/dyn_upstream.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	list, err := List(r.Context(), h.rt)
	if err != nil {
		dyn.ServerError(w)
		return
	}
	dyn.WriteJSON(w, http.StatusOK, list)
}

// put answers PUT /api/v1/config/dyn_upstream as OpenNJet does: no data
// plane module takes it, so the request times out.
func (h *handler) put(w http.ResponseWriter, _ *http.Request) {
	dyn.WriteRaw(w, http.StatusInternalServerError, "application/json", []byte("{\n  \"code\": 500,\n  \"msg\": \"rpc timeout\"\n}"))
}
