package njtapi

import (
	"net/http"
	"sort"

	"github.com/gonjet/gonjet/dyn"
)

// SnippetFile is the file name OpenNJet gives text it parses for an API
// call ("<prefix>logs/4_0_add_location.txt"); configuration errors in
// that text name it, so answers read as OpenNJet's.
func SnippetFile(rt *dyn.Runtime, name string) string {
	prefix := ""
	if res := rt.Result(); res != nil && res.Builder != nil {
		prefix = res.Builder.Prefix
	}
	return prefix + "logs/4_0_" + name
}

// CurrentTree returns the node tree being served; when the runtime has
// not started it answers 500 {"code":500,"msg":"server error"} and
// returns nil.
func CurrentTree(w http.ResponseWriter, rt *dyn.Runtime) *dyn.Tree {
	t := rt.Tree()
	if t == nil {
		dyn.ServerError(w)
	}
	return t
}

// ByAge returns entries ordered by when they were written, oldest first;
// an entry of the change being built (version 0) is the newest.
func ByAge(entries []dyn.Entry) []dyn.Entry {
	out := append([]dyn.Entry(nil), entries...)
	age := func(e dyn.Entry) uint64 {
		if e.Version == 0 {
			return ^uint64(0)
		}
		return e.Version
	}
	sort.SliceStable(out, func(i, j int) bool { return age(out[i]) < age(out[j]) })
	return out
}

// ConfigBody reads the body of PUT /api/v1/config/<module>. OpenNJet's
// config API only checks its size (2 bytes to 5 MiB, else 400 {"code":400,
// "msg":"Request body should be a valid JSON object and less than 5MB"});
// a body that is not JSON reaches the module, which answers with its own
// parser's message.
func ConfigBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := dyn.ReadBody(r)
	if err != nil || len(b) < 2 {
		dyn.Reply(w, http.StatusBadRequest, 400, "Request body should be a valid JSON object and less than 5MB")
		return nil, false
	}
	return b, true
}
