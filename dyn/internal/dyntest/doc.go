// Package dyntest runs a data plane under a dynamic runtime for the
// tests of the dynamic API modules: New builds it from njet.conf text
// over an in-memory store, Do calls the control-plane API, Get sends a
// data-plane request to a listen address and host, Replay checks
// OpenNJet's golden recordings (testdata/) against the answers, and
// LoadSpec validates against OpenNJet's OpenAPI documents.
//
//	env := dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
//	env.ReplayGolden(t, "config_http_log.json", nil)
//	r := env.Get("127.0.0.1:8080", "localhost", "/demo/")
package dyntest
