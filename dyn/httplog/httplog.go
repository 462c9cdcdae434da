package httplog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/internal/njtapi"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/telemetry"
)

// Name is the module's API and store name.
const Name = "http_log"

// Module is the dynamic access log module; it registers itself.
type Module struct{}

func init() {
	dyn.Register(Module{})
	dyn.RegisterConfigName(Name)
}

// Name returns "http_log".
func (Module) Name() string { return Name }

// Order places the access log switch first among the switches.
func (Module) Order() int { return dyn.OrderHTTPLog }

// Routes mounts GET and PUT /config/http_log.
func (Module) Routes(r chi.Router, rt *dyn.Runtime) {
	h := &handler{rt: rt}
	r.Get("/config/"+Name, h.get)
	r.Put("/config/"+Name, h.put)
}

// Location is the stored access log state of one location.
type Location struct {
	On   bool  `json:"accessLogOn"`
	Logs []Log `json:"accessLogs,omitempty"`
}

// Log is one access log of a location.
type Log struct {
	Path   string `json:"path"`
	Format string `json:"formatName"`
}

// Format is a stored log_format.
type Format struct {
	Name   string `json:"name"`
	Escape string `json:"escape"`
	Format string `json:"format"`
}

// schema is OpenNJet's dynlog parser.
var schema = func() *njtapi.Schema {
	accessLog := njtapi.ObjectOf(
		njtapi.Field{Name: "path", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "formatName", Schema: njtapi.Str(0), Required: true},
	)
	loc := njtapi.LocationSchema(0,
		njtapi.Field{Name: "accessLogOn", Schema: njtapi.Boolean(), NullCheck: true},
		njtapi.Field{Name: "accessLogs", Schema: njtapi.ArrayOf(accessLog, 0), NullCheck: true},
	)
	format := njtapi.ObjectOf(
		njtapi.Field{Name: "name", Schema: njtapi.Str(0), Required: true},
		njtapi.Field{Name: "escape", Schema: njtapi.Enumeration("default", "json", "none"), NullCheck: true},
		njtapi.Field{Name: "format", Schema: njtapi.Str(0), Required: true},
	)
	return njtapi.ObjectOf(
		njtapi.ServersField(loc, 1),
		njtapi.Field{Name: "accessLogFormats", Schema: njtapi.ArrayOf(format, 0), NullCheck: true},
	)
}()

// formatKey is the store key of log_format name.
func formatKey(name string) string { return dyn.Key(Name, "format", url.PathEscape(name)) }

type handler struct{ rt *dyn.Runtime }

func (h *handler) get(w http.ResponseWriter, _ *http.Request) {
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	var jw njtapi.Writer
	jw.Raw("{")
	njtapi.WriteServers(&jw, t, func(w *njtapi.Writer, srv *conf.Node, chain []*conf.Node, nested func()) {
		w.Raw("{")
		w.Key("location")
		w.String(dyn.LocationName(chain[len(chain)-1]))
		nested()
		on, logs := effective(t, srv, chain)
		w.Raw(",")
		w.Key("accessLogOn")
		w.Bool(on)
		if on {
			w.Raw(",")
			w.Key("accessLogs")
			w.Raw("[")
			for i, l := range logs {
				if i > 0 {
					w.Raw(",")
				}
				w.Raw("{")
				w.Key("path")
				w.String(l.Path)
				w.Raw(",")
				w.Key("formatName")
				w.String(l.Format)
				w.Raw("}")
			}
			w.Raw("]")
		}
		w.Raw("}")
	})
	jw.Raw(",")
	jw.Key("accessLogFormats")
	jw.Raw("[")
	for i, f := range formats(t) {
		if i > 0 {
			jw.Raw(",")
		}
		jw.Raw("{")
		jw.Key("name")
		jw.String(f.Name)
		jw.Raw(",")
		jw.Key("escape")
		jw.String(f.Escape)
		jw.Raw(",")
		jw.Key("format")
		jw.String(f.Format)
		jw.Raw("}")
	}
	jw.Raw("]}")
	dyn.WriteRaw(w, http.StatusOK, "application/json", jw.Bytes())
}

// effective is the access log state a location gets: its own access_log
// directives, or those of the nearest enclosing level that has some, or
// nginx's default (logs/access.log in the combined format).
func effective(t *dyn.Tree, srv *conf.Node, chain []*conf.Node) (on bool, logs []Log) {
	levels := []*conf.Node{t.HTTP(), srv}
	levels = append(levels, chain...)
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i] == nil {
			continue
		}
		var found bool
		on = true
		logs = nil
		for _, n := range levels[i].Block {
			if n.Name != "access_log" || n.Block != nil || len(n.Args) == 0 {
				continue
			}
			found = true
			if n.Args[0] == "off" {
				on = false
				continue
			}
			f := "combined"
			if len(n.Args) > 1 {
				f = n.Args[1]
			}
			logs = append(logs, Log{Path: n.Args[0], Format: f})
		}
		if found {
			return on, logs
		}
	}
	return true, []Log{{Path: "logs/access.log", Format: "combined"}}
}

// formats lists the log formats: the built-in combined, then the
// log_format directives of http{}.
func formats(t *dyn.Tree) []Format {
	out := []Format{{Name: "combined", Escape: "default", Format: telemetry.CombinedFormat}}
	http := t.HTTP()
	if http == nil {
		return out
	}
	for _, n := range http.Block {
		if n.Name != "log_format" || len(n.Args) < 2 {
			continue
		}
		f := Format{Name: n.Args[0], Escape: "default"}
		texts := n.Args[1:]
		if e, ok := strings.CutPrefix(texts[0], "escape="); ok {
			f.Escape, texts = e, texts[1:]
		}
		f.Format = strings.Join(texts, "")
		out = append(out, f)
	}
	return out
}

func (h *handler) put(w http.ResponseWriter, r *http.Request) {
	body, ok := njtapi.ConfigBody(w, r)
	if !ok {
		return
	}
	res := njtapi.NewResult()
	req, err := njtapi.Parse(schema, body)
	if err != nil {
		res.Fail(dyn.CodeInvalidJSON, err.Error())
		res.Write(w)
		return
	}
	t := njtapi.CurrentTree(w, h.rt)
	if t == nil {
		return
	}
	known := map[string]string{}
	for _, f := range formats(t) {
		known[strings.ToLower(f.Name)] = f.Name
	}
	var changes []njtapi.Change
	for _, f := range req.Objs("accessLogFormats") {
		name := f.Str("name")
		res.SetPath(" accessLogFormats[" + name + "]")
		rec := Format{Name: name, Escape: "default", Format: f.Str("format")}
		if f.Has("escape") {
			rec.Escape = f.Str("escape")
		}
		esc, _ := telemetry.ParseEscape(rec.Escape)
		if _, err := telemetry.ParseFormat(name, esc, rec.Format); err != nil || name == "combined" {
			res.Error(" set format error")
			continue
		}
		res.OK()
		known[strings.ToLower(name)] = name
		v, _ := json.Marshal(rec)
		changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: formatKey(name), Value: v}}, Path: res.Path(), Counted: true})
	}
	walk := &njtapi.Walk{Tree: t, Res: res, NoNameMsg: " index %d location name is not set"}
	walk.Apply = func(srv *conf.Node, chain []*conf.Node, item *njtapi.Obj) {
		rec := Location{On: item.Bool("accessLogOn")}
		if rec.On {
			logs := item.Objs("accessLogs")
			if len(logs) == 0 {
				res.Error(" set enable access log,but accessLogs is NULL")
				return
			}
			for _, l := range logs {
				if l.Str("path") == "" {
					continue
				}
				f := l.Str("formatName")
				if f == "" {
					f = "combined"
				}
				name, ok := known[strings.ToLower(f)]
				if !ok {
					res.Error(fmt.Sprintf(" unknown log format \"%s\"", f))
					return
				}
				rec.Logs = append(rec.Logs, Log{Path: l.Str("path"), Format: name})
			}
		}
		res.OK()
		v, _ := json.Marshal(rec)
		changes = append(changes, njtapi.Change{Ops: []dyn.Op{{Key: njtapi.LocationKey(Name, srv, chain), Value: v}}, Path: res.Path(), Counted: true})
	}
	walk.Servers(req.Objs("servers"))
	njtapi.Commit(r.Context(), h.rt, res, changes)
	res.UpdateCode()
	// http_log reports any refused object as a partial success.
	if len(res.Data) > 0 {
		res.SetCode(dyn.CodePartialSuccess)
	}
	res.Write(w)
}

// Edit applies stored formats (replacing a log_format of the same name,
// or adding one at the top of http{} so that access_log lines further
// down can use it) and per-location access logs (replacing the
// location's own access_log directives).
func (Module) Edit(t *dyn.Tree, entries []dyn.Entry) error {
	http := t.HTTP()
	if http == nil {
		return nil
	}
	added := 0
	for _, e := range njtapi.ByAge(entries) {
		if !strings.HasPrefix(e.Key, dyn.Key(Name, "format")+"/") {
			continue
		}
		var f Format
		if err := json.Unmarshal(e.Value, &f); err != nil {
			return fmt.Errorf("http_log: bad record %s: %v", e.Key, err)
		}
		args := []string{f.Name}
		if f.Escape != "" && f.Escape != "default" {
			args = append(args, "escape="+f.Escape)
		}
		args = append(args, f.Format)
		if n := logFormat(http, f.Name); n != nil {
			n.Args, n.Quoted = args, make([]bool, len(args))
			continue
		}
		n := njtapi.NewNode(Name, "log_format", args...)
		http.Block = append(http.Block[:added], append([]*conf.Node{n}, http.Block[added:]...)...)
		added++
	}
	for _, e := range entries {
		ref, ok := njtapi.ParseLocationKey(Name, e.Key)
		if !ok {
			continue
		}
		_, loc := njtapi.Resolve(t, ref)
		if loc == nil {
			continue
		}
		var rec Location
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return fmt.Errorf("http_log: bad record %s: %v", e.Key, err)
		}
		njtapi.RemoveDirectives(loc, "access_log")
		if !rec.On || len(rec.Logs) == 0 {
			loc.Block = append(loc.Block, njtapi.NewNode(Name, "access_log", "off"))
			continue
		}
		for _, l := range rec.Logs {
			loc.Block = append(loc.Block, njtapi.NewNode(Name, "access_log", l.Path, l.Format))
		}
	}
	return nil
}

func logFormat(http *conf.Node, name string) *conf.Node {
	for _, n := range http.Block {
		if n.Name == "log_format" && len(n.Args) > 0 && n.Args[0] == name {
			return n
		}
	}
	return nil
}
