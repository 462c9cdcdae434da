package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gonjet/gonjet/dyn"
	_ "github.com/gonjet/gonjet/dyn/all"
	"github.com/gonjet/gonjet/dyn/dyntest"
	_ "github.com/gonjet/gonjet/gateway/all"
)

// ctrlHost is the control plane's address in the recordings; requests are
// validated as if sent there.
const ctrlHost = "http://127.0.0.1:8081"

// call is one request that exercises an operation of a document.
type call struct {
	// op is the operation: method and path template exactly as the
	// document writes them.
	op string
	// params are path parameter values (the documents give no examples
	// for them); query parameters come from the document's examples.
	params map[string]string
	// body makes the request body; nil sends none.
	body source
	// status is the answer GoNJet must give.
	status int
	// limit says why only a documented error answer is exercised; it is
	// required when status is not 2xx.
	limit string
	// traffic are data-plane targets requested first (on 127.0.0.1:8080),
	// so that the answer shows counters.
	traffic []string
}

// source makes a request body for an operation; rewrite maps the
// recordings' backend addresses to the test's.
type source func(op *openapi3.Operation, rewrite map[string]string) (string, error)

// fromExamples builds the body from the examples of the operation's
// request schema, then applies patch (a JSON merge patch, RFC 7386) to
// adapt it to testdata/njet.conf; patch may be empty.
func fromExamples(patch string) source {
	return func(op *openapi3.Operation, _ map[string]string) (string, error) {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return "", errors.New("the operation has no request body")
		}
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			return "", errors.New("the request body has no application/json schema")
		}
		v, ok := example(mt.Schema.Value, 0)
		if !ok {
			return "", errors.New("the request schema has no examples")
		}
		if patch != "" {
			var p any
			if err := json.Unmarshal([]byte(patch), &p); err != nil {
				return "", fmt.Errorf("patch: %w", err)
			}
			v = mergePatch(v, p)
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
}

// fromRecording takes the body of the request titled title in an OpenNJet
// recording (testdata/golden, copied from spec/golden).
func fromRecording(file, title string) source {
	return func(_ *openapi3.Operation, rewrite map[string]string) (string, error) {
		b, err := os.ReadFile(path.Join("testdata/golden", file))
		if err != nil {
			return "", err
		}
		var xs []dyntest.Exchange
		if err := json.Unmarshal(b, &xs); err != nil {
			return "", fmt.Errorf("%s: %w", file, err)
		}
		for _, x := range xs {
			if x.Title == title {
				body := x.Request.Body
				for from, to := range rewrite {
					body = strings.ReplaceAll(body, from, to)
				}
				return body, nil
			}
		}
		return "", fmt.Errorf("%s: no exchange %q", file, title)
	}
}

// Path parameters naming objects of testdata/njet.conf (backend2 has one
// member, id 0, so the member the upstream calls add is id 1), the config
// module list call every config document has, and why stream operations
// are only exercised in their 404 answer.
var (
	upstream    = map[string]string{"httpUpstreamName": "backend1"}
	member      = map[string]string{"httpUpstreamName": "backend2", "httpUpstreamServerId": "1"}
	stream      = map[string]string{"streamUpstreamName": "backend1"}
	streamPeer  = map[string]string{"streamUpstreamName": "backend1", "streamUpstreamServerId": "0"}
	configList  = call{op: "GET /v1/config/", status: 200}
	noStreamAPI = "GoNJet has no stream data plane; upstream_api answers stream paths 404 PathNotFound " +
		"as OpenNJet does without stream upstreams (upstream_api.json \"stream upstreams list (no stream block)\")"
)

// documents are the OpenAPI files the dynamic control-plane issue lists,
// with the calls that exercise their operations, sent in this order to
// one data plane per document.
var documents = []struct {
	file  string
	calls []call
}{
	{"helper_upstream.yaml", []call{
		{op: "GET /http/upstreams/", status: 200, traffic: []string{"/demo", "/demo", "/split"}},
		{op: "GET /http/upstreams/{httpUpstreamName}/", params: upstream, status: 200},
		{op: "GET /http/upstreams/{httpUpstreamName}/servers/", params: upstream, status: 200},
		// backend2 has one member (id 0): the new one gets id 1
		{op: "POST /http/upstreams/{httpUpstreamName}/servers/", params: member,
			body: fromExamples(`{"server":"127.0.0.1:9002"}`), status: 201},
		{op: "GET /http/upstreams/{httpUpstreamName}/servers/{httpUpstreamServerId}", params: member, status: 200},
		{op: "PATCH /http/upstreams/{httpUpstreamName}/servers/{httpUpstreamServerId}", params: member,
			body: fromRecording("upstream_api.json", "patch server id 1 weight/down"), status: 200},
		{op: "DELETE /http/upstreams/{httpUpstreamName}/servers/{httpUpstreamServerId}", params: member, status: 200},
		{op: "DELETE /http/upstreams/{httpUpstreamName}/", params: upstream, status: 204},
		{op: "GET /stream/upstreams/", status: 404, limit: noStreamAPI},
		{op: "GET /stream/upstreams/{streamUpstreamName}/", params: stream, status: 404, limit: noStreamAPI},
		{op: "GET /stream/upstreams/{streamUpstreamName}/servers/", params: stream, status: 404, limit: noStreamAPI},
		// without the read-only "backup" of the example (see the exception
		// of the http POST): only the 404 is exercised here
		{op: "POST /stream/upstreams/{streamUpstreamName}/servers/", params: stream,
			body: fromExamples(`{"server":"127.0.0.1:9002","backup":null}`), status: 404, limit: noStreamAPI},
		{op: "GET /stream/upstreams/{streamUpstreamName}/servers/{streamUpstreamServerId}", params: streamPeer, status: 404, limit: noStreamAPI},
		{op: "PATCH /stream/upstreams/{streamUpstreamName}/servers/{streamUpstreamServerId}", params: streamPeer,
			body: fromExamples(`{"backup":null}`), status: 404, limit: noStreamAPI},
		{op: "DELETE /stream/upstreams/{streamUpstreamName}/servers/{streamUpstreamServerId}", params: streamPeer, status: 404, limit: noStreamAPI},
		{op: "DELETE /stream/upstreams/{streamUpstreamName}/", params: stream, status: 404, limit: noStreamAPI},
	}},
	{"helper_dyn_http_ups.yaml", []call{
		{op: "POST /v1/dyn_ups", body: fromExamples(""), status: 200},
		{op: "GET /v1/config/dyn_upstream", status: 200},
		{op: "PUT /v1/dyn_ups", body: fromExamples(""), status: 200},
	}},
	{"helper_dy_loc.yaml", []call{
		{op: "POST /v1/dyn_loc", body: fromExamples(`{"addr_port":"127.0.0.1:8090"}`), status: 200},
		{op: "PUT /v1/dyn_loc", body: fromExamples(`{"addr_port":"127.0.0.1:8090"}`), status: 200},
	}},
	{"helper_dy_srv.yaml", []call{
		// server-90 is in njet.conf already: add a second name on its port
		{op: "POST /v1/dyn_srv", body: fromExamples(`{"addr_port":"127.0.0.1:8090","server_name":"server-901"}`), status: 200},
		{op: "PUT /v1/dyn_srv", body: fromExamples(`{"addr_port":"127.0.0.1:8090","server_name":"server-901"}`), status: 200},
	}},
	{"helper_kv.yaml", []call{
		{op: "POST /v1/kv", body: fromExamples(""), status: 200},
		{op: "GET /v1/kv", status: 200},
		{op: "DELETE /v1/kv", status: 200},
	}},
	{"helper_dynlog.yaml", []call{
		configList,
		{op: "PUT /v1/config/http_log", body: fromRecording("config_http_log.json", "PUT manual example (adapted listen)"), status: 200},
		{op: "GET /v1/config/http_log", status: 200},
	}},
	{"helper_split_clients_2.yaml", []call{
		configList,
		{op: "PUT /v1/config/http_split_clients_2", body: fromRecording("config_http_split_clients_2.json", "PUT manual example 20/80"), status: 200},
		{op: "GET /v1/config/http_split_clients_2", status: 200},
	}},
	{"helper_dyn_bwlist.yaml", []call{
		configList,
		{op: "PUT /v1/config/http_dyn_bwlist", body: fromRecording("config_http_dyn_bwlist.json", "PUT manual example (deny 192.168.1.0/24, allow all)"), status: 200},
		{op: "GET /v1/config/http_dyn_bwlist", status: 200},
	}},
	{"helper_dyn_map.yaml", []call{
		configList,
		{op: "PUT /v1/config/http_dyn_map", body: fromRecording("config_http_dyn_map.json", "PUT change existing map $arg_a -> $testv"), status: 200},
		{op: "GET /v1/config/http_dyn_map", status: 200},
	}},
	{"helper_dyn_pass.yaml", []call{
		configList,
		{op: "PUT /v1/config/proxy_pass", body: fromRecording("config_proxy_pass.json", "PUT switch /demo to backend2 (manual example, adapted server)"), status: 200},
		{op: "GET /v1/config/proxy_pass", status: 200},
	}},
	{"helper_dyn_header.yaml", []call{
		configList,
		{op: "PUT /v1/config/http_dyn_header", body: fromRecording("config_http_dyn_header.json", "PUT always as boolean"), status: 200},
		{op: "GET /v1/config/http_dyn_header", status: 200},
	}},
}

// exception is a place where OpenNJet v3.3.0's recorded wire form departs
// from its own document; GoNJet sends and reads what OpenNJet does.
type exception struct {
	file, op string
	// phase is "request" or "response".
	phase string
	// where is the JSON pointer into the body with array indexes as "*"
	// ("(root)" for the body itself), or "(status)" for an answer status
	// the document does not list.
	where string
	// says is part of kin-openapi's complaint.
	says string
	why  string
}

// putAnswers200 is the config API's answer to a PUT: OpenNJet v3.3.0
// answers 200 {"code":0,"msg":"success."} where its documents say 204.
const putAnswers200 = `OpenNJet answers 200 {"code":0,"msg":"success."} (config_*.json recordings), the document says 204`

// exceptions lists every accepted departure; each must still occur.
var exceptions = []exception{
	{"helper_upstream.yaml", "GET /http/upstreams/", "response", "/*/peers/*/responses/codes", "must be an object",
		`OpenNJet sends "codes":"{}" (a string) for a peer without answers (upstream_api.json "list http upstreams")`},
	{"helper_upstream.yaml", "GET /http/upstreams/{httpUpstreamName}/", "response", "/peers/*/responses/codes", "must be an object",
		`OpenNJet sends "codes":"{}" (a string) for a peer without answers (upstream_api.json "get one upstream")`},
	{"helper_upstream.yaml", "POST /http/upstreams/{httpUpstreamName}/servers/", "request", "/backup", "readOnly",
		`the document's own example (NjetHTTPUpstreamConfServer) sends "backup", which it marks read-only; OpenNJet accepts it (upstream_api.json "add server (manual example body, adapted address)")`},
	{"helper_upstream.yaml", "DELETE /http/upstreams/{httpUpstreamName}/servers/{httpUpstreamServerId}", "response", "(root)", "must be an array",
		`OpenNJet answers with the group's status (NjetHTTPUpstream), the document says the server list (upstream_api.json "delete server id 2")`},
	{"helper_dyn_http_ups.yaml", "GET /v1/config/dyn_upstream", "response", "/*/zone", "must be a string",
		`OpenNJet sends zone as {"name","size"} (dyn_ups.json "GET config/dyn_upstream current")`},
	{"helper_dynlog.yaml", "PUT /v1/config/http_log", "response", "(status)", "200", putAnswers200},
	{"helper_split_clients_2.yaml", "PUT /v1/config/http_split_clients_2", "response", "(status)", "200", putAnswers200},
	{"helper_dyn_bwlist.yaml", "PUT /v1/config/http_dyn_bwlist", "response", "(status)", "200", putAnswers200},
	{"helper_dyn_pass.yaml", "PUT /v1/config/proxy_pass", "response", "(status)", "200", putAnswers200},
	{"helper_dyn_header.yaml", "PUT /v1/config/http_dyn_header", "response", "(status)", "200", putAnswers200},
	{"helper_dyn_map.yaml", "PUT /v1/config/http_dyn_map", "request", "/maps/*/values", "must be an object",
		`OpenNJet reads "values" as an array of {valueFrom,valueTo}; the document's object form is refused with code 3 (config_http_dyn_map.json "PUT manual schema style (values object, hosnames)")`},
	{"helper_dyn_map.yaml", "GET /v1/config/http_dyn_map", "response", "/maps/*/values", "must be an object",
		`OpenNJet writes "values" as an array of {valueFrom,valueTo} (config_http_dyn_map.json "GET current")`},
	{"helper_dyn_map.yaml", "PUT /v1/config/http_dyn_map", "response", "/code", "must be a string",
		`OpenNJet's rpc-result "code" is a number (config_http_dyn_map.json), CommonMsg says string`},
	{"helper_dyn_header.yaml", "PUT /v1/config/http_dyn_header", "request", "/servers/*/locations/*/headers/*/always", "must be an integer",
		`OpenNJet reads "always" as a boolean and refuses 1 (config_http_dyn_header.json "PUT manual example (always as integer 1)")`},
	{"helper_dyn_header.yaml", "GET /v1/config/http_dyn_header", "response", "/servers/*/locations/*/headers/*/always", "must be an integer",
		`OpenNJet writes "always" as a boolean (config_http_dyn_header.json "GET after PUT")`},
}

// outcome is one row of the report.
type outcome struct {
	file, op string
	status   int
	// exceptions are indexes into exceptions; violations are unexpected
	// complaints.
	exceptions []int
	violations []string
	limit      string
}

func TestEveryOperationOfTheListedDocumentsIsServedAsDocumented(t *testing.T) {
	conf, err := os.ReadFile("testdata/njet.conf")
	require.NoError(t, err)
	used := make([]bool, len(exceptions))
	completed := map[string]bool{} // documents whose every call was made
	var report []outcome
	for _, d := range documents {
		t.Run(d.file, func(t *testing.T) {
			doc, base := loadDocument(t, d.file)
			router, err := legacy.NewRouter(doc)
			require.NoError(t, err)
			env, rewrite := dyntest.Recorded(t, string(conf), dyntest.Options{})
			s := &session{t: t, file: d.file, doc: doc, base: base, router: router, env: env, rewrite: rewrite, used: used}

			exercised := map[string]bool{}
			for _, c := range d.calls {
				report = append(report, s.exercise(c))
				exercised[c.op] = true
			}
			ops := operations(doc)
			var missing []string
			for _, op := range ops {
				if !exercised[op] {
					missing = append(missing, op)
				}
			}
			require.Empty(t, missing, "%s: %d of %d operations not exercised", d.file, len(missing), len(ops))
			for op := range exercised {
				require.Contains(t, ops, op, "%s: the table names an operation the document does not have", d.file)
			}
			completed[d.file] = true
		})
	}
	for i, e := range exceptions {
		if completed[e.file] && !used[i] {
			t.Errorf("exception no longer met (remove it): %s %s %s %q %q", e.file, e.op, e.phase, e.where, e.says)
		}
	}
	logReport(t, report)
}

// session is one document under test and the data plane its calls go to.
type session struct {
	t       *testing.T
	file    string
	doc     *openapi3.T
	base    string // path prefix of the document's operations
	router  routers.Router
	env     *dyntest.Env
	rewrite map[string]string
	used    []bool // the exceptions met so far
}

// exercise sends c through the control plane and validates the request
// and the answer against the operation.
func (s *session) exercise(c call) outcome {
	t := s.t
	t.Helper()
	method, tmpl, _ := strings.Cut(c.op, " ")
	item := s.doc.Paths.Value(tmpl)
	require.NotNil(t, item, "%s: no path %s", s.file, tmpl)
	op := item.GetOperation(method)
	require.NotNil(t, op, "%s: no operation %s", s.file, c.op)
	target, err := requestTarget(s.base, tmpl, item, op, c.params)
	require.NoError(t, err, "%s %s", s.file, c.op)
	var body string
	if c.body != nil {
		body, err = c.body(op, s.rewrite)
		require.NoError(t, err, "%s %s: body", s.file, c.op)
	}

	for _, dp := range c.traffic {
		s.env.Get("127.0.0.1:8080", dp)
	}
	var hdr []string
	if body != "" {
		hdr = append(hdr, "Content-Type: application/json")
	}
	got := s.env.API(method, target, body, hdr...)
	o := outcome{file: s.file, op: c.op, status: got.Status, limit: c.limit}
	ctx := fmt.Sprintf("%s %s\n  request  %s %s %s\n  answer   %d %s", s.file, c.op, method, target, body, got.Status, got.Body)
	require.Equal(t, c.status, got.Status, ctx)
	if c.status/100 == 2 {
		// a refused change answers 200 too: only a success exercises the
		// operation
		var rpc struct{ Code *int }
		if json.Unmarshal(got.Body, &rpc) == nil && rpc.Code != nil {
			require.Zero(t, *rpc.Code, ctx)
		}
	} else {
		require.NotEmpty(t, c.limit, "%s: an error answer needs the reason it is all that is exercised", ctx)
	}

	req := httptest.NewRequest(method, ctrlHost+target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, pathParams, err := s.router.FindRoute(req)
	require.NoError(t, err, ctx)
	require.Equal(t, c.op, route.Method+" "+route.Path, "%s: the request reaches another operation", ctx)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	phases := map[string]error{"request": openapi3filter.ValidateRequest(context.Background(), in)}
	h := http.Header{}
	if ct := got.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	// IncludeResponseStatus: an answer status the document does not list
	// is a departure too.
	phases["response"] = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: got.Status, Header: h, Body: io.NopCloser(bytes.NewReader(got.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	for _, phase := range []string{"request", "response"} {
		for _, f := range findings(phases[phase], got.Status) {
			i := matchException(s.file, c.op, phase, f)
			if i < 0 {
				t.Errorf("contract violation: %s\n  %s %s: %s", ctx, phase, f.where, f.says)
				o.violations = append(o.violations, phase+" "+f.where+": "+f.says)
				continue
			}
			if !slices.Contains(o.exceptions, i) {
				o.exceptions = append(o.exceptions, i)
			}
			s.used[i] = true
		}
	}
	return o
}

// finding is one complaint of kin-openapi.
type finding struct{ where, says string }

// findings flattens a validation error into its complaints, each with the
// place it is about: a JSON pointer into the body (array indexes as "*"),
// "?name" for a parameter, "(status)" for the answer status.
func findings(err error, status int) []finding {
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var out []finding
		for _, c := range e {
			out = append(out, findings(c, status)...)
		}
		return out
	case *openapi3filter.RequestError:
		if e.Err == nil {
			return []finding{{"", e.Reason}}
		}
		out := findings(e.Err, status)
		if e.Parameter != nil {
			for i := range out {
				out[i].where = "?" + e.Parameter.Name + strings.TrimPrefix(out[i].where, "(root)")
			}
		}
		return out
	case *openapi3filter.ResponseError:
		if e.Reason == "status is not supported" {
			return []finding{{"(status)", strconv.Itoa(status) + " is not a documented status"}}
		}
		if e.Err == nil {
			return []finding{{"", e.Reason}}
		}
		return findings(e.Err, status)
	case *openapi3.SchemaError:
		return []finding{{pointer(e.JSONPointer()), e.Reason}}
	}
	return []finding{{"", err.Error()}}
}

var index = regexp.MustCompile(`^[0-9]+$`)

func pointer(parts []string) string {
	if len(parts) == 0 {
		return "(root)"
	}
	var b strings.Builder
	for _, p := range parts {
		if index.MatchString(p) {
			p = "*"
		}
		b.WriteString("/" + p)
	}
	return b.String()
}

func matchException(file, op, phase string, f finding) int {
	for i, e := range exceptions {
		if e.file == file && e.op == op && e.phase == phase && e.where == f.where && strings.Contains(f.says, e.says) {
			return i
		}
	}
	return -1
}

// loadDocument loads an embedded document; a Swagger 2.0 one is converted
// to OpenAPI 3. It returns the document, its server set to the recordings'
// control plane, and the path prefix of its operations.
func loadDocument(t *testing.T, name string) (*openapi3.T, string) {
	t.Helper()
	src, ok := dyn.OpenAPI()[name]
	require.True(t, ok, "no OpenAPI document %s", name)
	var doc *openapi3.T
	base := "/api"
	if bytes.HasPrefix(src, []byte("swagger:")) {
		var raw any
		require.NoError(t, yaml.Unmarshal(src, &raw))
		js, err := json.Marshal(stringKeys(raw))
		require.NoError(t, err)
		var v2 openapi2.T
		require.NoError(t, json.Unmarshal(js, &v2))
		doc, err = openapi2conv.ToV3(&v2)
		require.NoError(t, err)
		base = v2.BasePath
	} else {
		var err error
		doc, err = openapi3.NewLoader().LoadFromData(src)
		require.NoError(t, err)
	}
	doc.Servers = openapi3.Servers{{URL: ctrlHost + base}}
	require.NoError(t, doc.Validate(context.Background(), openapi3.DisableExamplesValidation()), name)
	return doc, base
}

// stringKeys turns YAML maps with non-string keys (status codes in
// examples) into JSON-able ones.
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[fmt.Sprint(k)] = stringKeys(c)
		}
		return m
	case map[string]any:
		for k, c := range x {
			x[k] = stringKeys(c)
		}
	case []any:
		for i, c := range x {
			x[i] = stringKeys(c)
		}
	}
	return v
}

// operations lists a document's operations as "METHOD /path", sorted.
func operations(doc *openapi3.T) []string {
	var out []string
	for p, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

// requestTarget fills the path template with params and adds the query
// parameters the document gives examples for.
func requestTarget(base, tmpl string, item *openapi3.PathItem, op *openapi3.Operation, params map[string]string) (string, error) {
	var err error
	p := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllStringFunc(tmpl, func(m string) string {
		v, ok := params[m[1:len(m)-1]]
		if !ok {
			err = fmt.Errorf("no value for path parameter %s", m)
		}
		return url.PathEscape(v)
	})
	q := url.Values{}
	for _, ref := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
		pr := ref.Value
		if pr == nil || pr.In != openapi3.ParameterInQuery {
			continue
		}
		ex := pr.Example
		if ex == nil && pr.Schema != nil && pr.Schema.Value != nil {
			ex = pr.Schema.Value.Example
		}
		if ex != nil {
			q.Set(pr.Name, fmt.Sprint(ex))
		}
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return base + p, err
}

// example builds a value from a schema's examples: the schema's own
// example, or an object of its properties' examples, or a one-item array.
func example(s *openapi3.Schema, depth int) (any, bool) {
	if s == nil || depth > 8 {
		return nil, false
	}
	if s.Example != nil {
		return s.Example, true
	}
	switch {
	case s.Type.Is(openapi3.TypeObject):
		m := map[string]any{}
		for name, p := range s.Properties {
			if v, ok := example(p.Value, depth+1); ok {
				m[name] = v
			}
		}
		return m, len(m) > 0
	case s.Type.Is(openapi3.TypeArray) && s.Items != nil:
		if v, ok := example(s.Items.Value, depth+1); ok {
			return []any{v}, true
		}
	}
	return nil, false
}

// mergePatch applies a JSON merge patch (RFC 7386) to v.
func mergePatch(v, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	for k, pv := range p {
		if pv == nil {
			delete(m, k)
			continue
		}
		m[k] = mergePatch(m[k], pv)
	}
	return m
}

// logReport prints which operations were exercised, with what answer,
// and the exceptions accepted.
func logReport(t *testing.T, report []outcome) {
	var b strings.Builder
	b.WriteString("\n| document | operation | answer | result |\n|---|---|---|---|\n")
	perFile := map[string]int{}
	for _, o := range report {
		perFile[o.file]++
		var notes []string
		if o.limit != "" {
			notes = append(notes, "documented 404 only (see limit)")
		}
		for _, i := range o.exceptions {
			notes = append(notes, fmt.Sprintf("exception E%d", i+1))
		}
		for _, v := range o.violations {
			notes = append(notes, "VIOLATION "+v)
		}
		if len(notes) == 0 {
			notes = []string{"valid"}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", o.file, o.op, o.status, strings.Join(notes, ", "))
	}
	b.WriteString("\n| document | operations exercised |\n|---|---|\n")
	total := 0
	for _, d := range documents {
		fmt.Fprintf(&b, "| %s | %d |\n", d.file, perFile[d.file])
		total += perFile[d.file]
	}
	fmt.Fprintf(&b, "| total | %d |\n", total)
	b.WriteString("\n| # | document | operation | phase | where | complaint | why |\n|---|---|---|---|---|---|---|\n")
	for i, e := range exceptions {
		fmt.Fprintf(&b, "| E%d | %s | %s | %s | %s | %s | %s |\n", i+1, e.file, e.op, e.phase, e.where, e.says, e.why)
	}
	fmt.Fprintf(&b, "\nlimit: %s\n", noStreamAPI)
	t.Log(b.String())
}
