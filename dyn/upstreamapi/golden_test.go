package upstreamapi_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn/dyntest"
	_ "github.com/gonjet/gonjet/dyn/upstreamapi"
	_ "github.com/gonjet/gonjet/gateway/all"
)

func TestGoldenUpstreamAPIMatchesOpenNJet(t *testing.T) {
	env, rewrite := dyntest.Recorded(t, "", dyntest.Options{})
	r := dyntest.Replay{
		Rewrite: rewrite,
		Spec:    dyntest.LoadSpec(t, "helper_upstream.yaml"),
		// OpenNJet sends "codes" as the string "{}" where its document
		// says an object; GoNJet sends what OpenNJet sends.
		SpecSkip: map[string]string{
			"delete server id 2": "OpenNJet answers with the group's status, its document says the server list",
		},
		SpecFix: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`"codes":"{}"`), []byte(`"codes":{}`)) },
		Before: map[string]func(e *dyntest.Env){
			// the recording saw two requests on each backend1 member
			"get upstream after traffic": func(e *dyntest.Env) {
				for range 4 {
					require.Equal(t, 200, e.Get("", "/demo").Status)
				}
			},
		},
		// GoNJet keeps no selection timestamp per peer; it counts the bytes
		// exchanged with a peer, which OpenNJet reports as 0.
		Normalize: dyntest.DropKeys("selected", "sent", "received"),
	}
	r.Run(t, env, dyntest.Golden(t, "upstream_api.json"))
}
