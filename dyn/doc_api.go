package dyn

import (
	"embed"
	"fmt"
	swaggerFiles "github.com/swaggo/files/v2"
	"html"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// The OpenAPI documents of the control plane (OpenNJet v3.3.0's, the HTTP
// contract GoNJet follows). The Swagger UI that shows them comes from the
// github.com/swaggo/files module, which embeds swagger-ui's release files.
//
//go:embed openapi/*.yaml
var docFS embed.FS

// OpenAPI returns the embedded OpenAPI documents by file name
// ("helper_kv.yaml"), for tests and tools that validate against them.
func OpenAPI() map[string][]byte {
	out := map[string][]byte{}
	for _, name := range docNames() {
		b, _ := docFS.ReadFile("openapi/" + name)
		out[name] = b
	}
	return out
}

func docNames() []string {
	ents, _ := fs.ReadDir(docFS, "openapi")
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// docHandler serves doc_api: the Swagger UI over the OpenAPI documents at
// <location>/swagger/, as OpenNJet's GUI expects (/doc/swagger/).
type docHandler struct {
	prefix string
}

func (h *docHandler) Handle(c *gateway.Ctx) gateway.Result {
	rec := newRecorder()
	r := toHTTP(c, c.URI[min(len(h.prefix), len(c.URI)):])
	serveDoc(rec, r, h.prefix)
	return sendRecorded(c, rec)
}

// serveDoc answers one doc request; r.URL.Path is below the location
// (mount).
func serveDoc(w http.ResponseWriter, r *http.Request, mount string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		WriteRaw(w, http.StatusMethodNotAllowed, "text/plain", []byte("method not allowed\n"))
		return
	}
	p := path.Clean("/" + r.URL.Path)
	switch {
	case p == "/" || p == "/swagger" && !strings.HasSuffix(r.URL.Path, "/"):
		w.Header().Set("Location", mount+"/swagger/")
		WriteRaw(w, http.StatusMovedPermanently, "text/plain", []byte("moved\n"))
	case p == "/swagger" || p == "/swagger/index.html":
		WriteRaw(w, http.StatusOK, "text/html; charset=utf-8", docIndex())
	case strings.HasPrefix(p, "/swagger/"):
		name := strings.TrimPrefix(p, "/swagger/")
		var src fs.FS
		file, ctype := "", ""
		switch {
		case strings.HasSuffix(name, ".yaml") && !strings.Contains(name, "/"):
			src, file, ctype = docFS, "openapi/"+name, "application/yaml"
		case name == "swagger-ui-bundle.js" || name == "swagger-ui-standalone-preset.js":
			src, file, ctype = swaggerFiles.FS, name, "application/javascript"
		case name == "swagger-ui.css":
			src, file, ctype = swaggerFiles.FS, name, "text/css"
		}
		if src != nil {
			if b, err := fs.ReadFile(src, file); err == nil {
				WriteRaw(w, http.StatusOK, ctype, b)
				return
			}
		}
		fallthrough
	default:
		WriteRaw(w, http.StatusNotFound, "text/plain", []byte("not found\n"))
	}
}

// docIndex is the Swagger UI page with a selector over every document.
func docIndex() []byte {
	var urls strings.Builder
	for i, n := range docNames() {
		if i > 0 {
			urls.WriteString(",")
		}
		fmt.Fprintf(&urls, "{url:%q,name:%q}", n, strings.TrimSuffix(strings.TrimPrefix(n, "helper_"), ".yaml"))
	}
	return []byte(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>` + html.EscapeString("GoNJet control-plane API") + `</title>
<link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({
  urls: [` + urls.String() + `],
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
});
</script>
</body>
</html>
`)
}
