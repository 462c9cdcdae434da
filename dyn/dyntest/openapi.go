package dyntest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
)

// Spec is one of the control plane's OpenAPI documents (OpenAPI 3, or
// Swagger 2.0 converted), for validating requests and answers.
type Spec struct {
	router routers.Router
}

// LoadSpec loads an embedded document by file name ("helper_kv.yaml").
func LoadSpec(t testing.TB, name string) *Spec {
	t.Helper()
	src, ok := dyn.OpenAPI()[name]
	require.True(t, ok, "no OpenAPI document %s", name)
	var doc *openapi3.T
	if bytes.Contains(src, []byte("swagger:")) {
		var raw any
		require.NoError(t, yaml.Unmarshal(src, &raw))
		js, err := json.Marshal(stringKeys(raw))
		require.NoError(t, err)
		var v2 openapi2.T
		require.NoError(t, json.Unmarshal(js, &v2))
		doc, err = openapi2conv.ToV3(&v2)
		require.NoError(t, err)
		base := v2.BasePath
		doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1:8081" + base}}
	} else {
		var err error
		doc, err = openapi3.NewLoader().LoadFromData(src)
		require.NoError(t, err)
		doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1:8081/api"}}
	}
	require.NoError(t, doc.Validate(context.Background(), openapi3.DisableExamplesValidation()))
	r, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &Spec{router: r}
}

// Validate checks a request and its answer against the document. The
// request must match an operation and its schemas; an answer whose
// status the document lists must match its schema.
func (s *Spec) Validate(method, path, reqBody, reqType string, status int, respType string, respBody []byte) error {
	req := httptest.NewRequest(method, "http://127.0.0.1:8081"+path, strings.NewReader(reqBody))
	if reqType != "" {
		req.Header.Set("Content-Type", reqType)
	}
	route, params, err := s.router.FindRoute(req)
	var re *routers.RouteError
	if errors.As(err, &re) && re.Reason == routers.ErrPathNotFound.Error() {
		return nil // another document's path
	}
	if err != nil {
		return err
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		// the documents mark fields read-only that their own examples send
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeReadOnlyValidations: true},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return err
	}
	h := http.Header{}
	if respType != "" {
		h.Set("Content-Type", respType)
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: h,
		Body:    io.NopCloser(bytes.NewReader(respBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: false},
	})
}

// stringKeys turns YAML maps with non-string keys (response codes) into
// JSON-able ones.
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
		return x
	case []any:
		for i, c := range x {
			x[i] = stringKeys(c)
		}
	}
	return v
}
