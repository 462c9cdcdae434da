// Package dyntest helps test dynamic control-plane modules: it starts a
// data-plane Runtime from njet.conf text over a memory or bbolt store,
// a control-plane gateway serving njet_ctrl.conf's dyn_module_api, small
// HTTP backends, and replays OpenNJet's recorded API exchanges (the
// golden files of spec/golden) against them.
//
//	env := dyntest.New(t, dataConf, dyntest.Options{})
//	r := env.API("POST", "/api/v1/kv", `{"key":"a","value":"b"}`)
//	require.Equal(t, 200, r.Status)
//	require.Equal(t, "backend 1", string(env.Get("/demo").Body))
package dyntest
