package dyntest

import (
	"embed"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// The exchanges recorded from OpenNJet v3.3.0 (spec/golden) for the
// modules of this tree.
//
//go:embed golden/*.json
var goldenFS embed.FS

// Exchange is one recorded request and OpenNJet's answer.
type Exchange struct {
	Title   string `json:"title"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"response"`
	// Effect is a follow-up check made after the call.
	Effect string `json:"effect"`
}

// Golden returns the exchanges of a recorded file ("upstream_api.json").
func Golden(t testing.TB, file string) []Exchange {
	t.Helper()
	b, err := goldenFS.ReadFile("golden/" + file)
	require.NoError(t, err)
	var out []Exchange
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// Replay tunes a golden replay.
type Replay struct {
	// Rewrite replaces recorded text (backend addresses, the install
	// prefix) in requests and expected answers.
	Rewrite map[string]string
	// Before runs before the exchange of that title.
	Before map[string]func(e *Env)
	// Skip lists titles not replayed, with the reason.
	Skip map[string]string
	// Spec, when set, validates every exchange answered with 2xx (request
	// and answer) against an OpenAPI document; SpecSkip lists titles where
	// OpenNJet's answer departs from its own document, with the reason.
	Spec     *Spec
	SpecSkip map[string]string
	// SpecFix, when set, rewrites an answer before it is validated (for a
	// quirk of OpenNJet's answers that GoNJet keeps on the wire).
	SpecFix func([]byte) []byte
	// Normalize changes an expected and an actual JSON value before they
	// are compared (to drop fields GoNJet cannot reproduce, such as
	// timestamps).
	Normalize func(v any) any
}

func (r *Replay) rewrite(s string) string {
	for from, to := range r.Rewrite {
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

// Run replays exchanges in order against e's control plane and checks
// status, Content-Type and body (as JSON when it is JSON, else byte for
// byte), and the follow-up checks of the control plane ("effect").
func (r *Replay) Run(t *testing.T, e *Env, exchanges []Exchange) {
	for i, x := range exchanges {
		name := strconv.Itoa(i) + " " + x.Title
		if why, ok := r.Skip[x.Title]; ok {
			t.Logf("skip %q: %s", name, why)
			continue
		}
		if f := r.Before[x.Title]; f != nil {
			f(e)
		}
		var hdr []string
		for k, v := range x.Request.Headers {
			hdr = append(hdr, k+": "+v)
		}
		got := e.API(x.Request.Method, r.rewrite(x.Request.Path), r.rewrite(x.Request.Body), hdr...)
		ctype, ok := x.Response.Headers["Content-Type"]
		if !ok {
			ctype = noContentType
		}
		r.check(t, name, got, x.Response.Status, ctype, x.Response.Body)
		if _, skip := r.SpecSkip[x.Title]; r.Spec != nil && !skip && got.Status/100 == 2 {
			body := got.Body
			if r.SpecFix != nil {
				body = r.SpecFix(body)
			}
			err := r.Spec.Validate(x.Request.Method, r.rewrite(x.Request.Path), r.rewrite(x.Request.Body),
				x.Request.Headers["Content-Type"], got.Status, got.Header.Get("Content-Type"), body)
			require.NoError(t, err, "%s: OpenAPI", name)
		}
		if m := effectRE.FindStringSubmatch(x.Effect); m != nil {
			u, err := url.Parse(m[2])
			require.NoError(t, err)
			status, _ := strconv.Atoi(m[3])
			want, err := strconv.Unquote(m[4])
			require.NoError(t, err, name)
			got := e.API(m[1], u.RequestURI(), "")
			r.check(t, name+" (effect)", got, status, "", want)
		}
	}
}

// noContentType marks an answer recorded without Content-Type.
const noContentType = "\x00none"

// effectRE reads a follow-up check on the control plane:
// `GET http://127.0.0.1:8081/api/... -> 200 body="..."`.
var effectRE = regexp.MustCompile(`^(\w+) (http://127\.0\.0\.1:8081\S+) -> (\d+) body=(".*")$`)

func (r *Replay) check(t *testing.T, name string, got *gatewaytest.Response, status int, ctype, body string) {
	t.Helper()
	body = r.rewrite(body)
	require.Equal(t, status, got.Status, "%s: status; body %s", name, got.Body)
	switch ctype {
	case "":
	case noContentType:
		require.False(t, got.Header.Has("Content-Type"), "%s: no Content-Type expected", name)
	default:
		require.Equal(t, ctype, got.Header.Get("Content-Type"), "%s: Content-Type", name)
	}
	var want, have any
	if json.Unmarshal([]byte(body), &want) == nil && body != "" {
		require.NoError(t, json.Unmarshal(got.Body, &have), "%s: body %q is not JSON", name, got.Body)
		if r.Normalize != nil {
			want, have = r.Normalize(want), r.Normalize(have)
		}
		require.Equal(t, want, have, "%s: body", name)
		return
	}
	require.Equal(t, body, string(got.Body), "%s: body", name)
}

// DropKeys returns a Normalize function that removes the named object
// keys everywhere in a JSON value.
func DropKeys(keys ...string) func(any) any {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range keys {
				delete(x, k)
			}
			for k, c := range x {
				x[k] = walk(c)
			}
		case []any:
			for i, c := range x {
				x[i] = walk(c)
			}
		}
		return v
	}
	return walk
}
