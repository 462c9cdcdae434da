package kv_test

import (
	"testing"

	"github.com/gonjet/gonjet/dyn/dyntest"
	_ "github.com/gonjet/gonjet/dyn/kv"
	_ "github.com/gonjet/gonjet/gateway/all"
)

func TestGoldenKVMatchesOpenNJet(t *testing.T) {
	env, rewrite := dyntest.Recorded(t, "", dyntest.Options{})
	r := dyntest.Replay{Rewrite: rewrite, Spec: dyntest.LoadSpec(t, "helper_kv.yaml")}
	r.Run(t, env, dyntest.Golden(t, "kv.json"))
}
