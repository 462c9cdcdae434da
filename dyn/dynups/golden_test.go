package dynups_test

import (
	"testing"

	"github.com/gonjet/gonjet/dyn/dyntest"
	_ "github.com/gonjet/gonjet/dyn/dynups"
	_ "github.com/gonjet/gonjet/dyn/upstreamapi"
	_ "github.com/gonjet/gonjet/gateway/all"
)

// zoneObject: OpenNJet v3.3.0 sends zone as {"name","size"} where its
// document says a string; GoNJet sends what OpenNJet sends.
const zoneObject = "zone is an object, the document says string"

func TestGoldenDynUpsMatchesOpenNJet(t *testing.T) {
	env, rewrite := dyntest.Recorded(t, "", dyntest.Options{})
	r := dyntest.Replay{Rewrite: rewrite, Spec: dyntest.LoadSpec(t, "helper_dyn_http_ups.yaml"),
		SpecSkip: map[string]string{
			"GET config/dyn_upstream current":   zoneObject,
			"GET config/dyn_upstream after add": zoneObject,
			"GET config/dyn_upstream final":     zoneObject,
		}}
	r.Run(t, env, dyntest.Golden(t, "dyn_ups.json"))
}
