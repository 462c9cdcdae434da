package dyntest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
)

// Spec is one of OpenNJet's OpenAPI documents, for validating requests
// and answers against it.
type Spec struct {
	router routers.Router
}

// LoadSpec loads an embedded OpenAPI document by file name
// ("helper_dynlog.yaml").
func LoadSpec(t testing.TB, name string) *Spec {
	t.Helper()
	src, ok := dyn.OpenAPI()[name]
	require.True(t, ok, "no OpenAPI document %s", name)
	doc, err := openapi3.NewLoader().LoadFromData(src)
	require.NoError(t, err)
	// the documents say servers: /api; requests here go to the test host
	doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1:8081/api"}}
	r, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &Spec{router: r}
}

// Validate checks a request body and the answer against the document:
// the request must match an operation and its body schema; a documented
// answer status must match its schema (undocumented statuses, such as
// the 200 envelope OpenNJet really sends where the document says 204,
// are not checked).
func (s *Spec) Validate(method, path, reqBody string, resp *Resp) error {
	req := httptest.NewRequest(method, "http://127.0.0.1:8081"+path, strings.NewReader(reqBody))
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return err
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	h := http.Header{}
	if resp.ContentType != "" {
		h.Set("Content-Type", resp.ContentType)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.Status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader([]byte(resp.Body))),
	}
	return openapi3filter.ValidateResponse(ctx, out)
}
