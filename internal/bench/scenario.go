package main

import (
	"fmt"
	"strings"
)

// serverKind is the shape of the server{} block a scenario measures.
type serverKind int

const (
	proxyServer     serverKind = iota // location / proxied to the backend
	staticServer                      // files from the prefix's html/
	realisticServer                   // the 20-location configuration of scenario g
)

// loadKind is how a scenario loads the gateway.
type loadKind int

const (
	loadWrk  loadKind = iota // wrk -t1, HTTP/1.1 keepalive
	loadH2                   // h2load, HTTP/2 prior knowledge
	loadIdle                 // many idle keepalive connections, RSS measured
)

// scenario is one line of the report.
type scenario struct {
	key    string // the letter of the issue, used by -scenarios
	title  string
	server serverKind
	load   loadKind
	http2  bool
	path   string
	body   int      // POST body size; 0 for GET
	header []string // extra request headers, "Name: value"

	wantLen    int               // body length of a correct answer
	wantHeader map[string]string // headers a correct answer carries

	note string // printed under the table: how to read the scenario's figures
}

var scenarios = []*scenario{
	{key: "a", title: "1 KiB GET proxied, upstream keepalive", server: proxyServer, path: "/1k", wantLen: smallSize},
	{key: "b", title: "64 KiB GET proxied", server: proxyServer, path: "/64k", wantLen: largeSize},
	{key: "c", title: "1 KiB POST body proxied", server: proxyServer, path: "/post", body: smallSize, wantLen: len("ok\n")},
	{key: "d", title: "idle keepalive connections", server: proxyServer, load: loadIdle, path: "/1k", wantLen: smallSize},
	{
		key: "e", title: "HTTP/2 cleartext (prior knowledge), 1 KiB GET proxied", server: proxyServer, load: loadH2, http2: true, path: "/1k", wantLen: smallSize,
		note: "h2load -m1 keeps one stream in flight per connection, as wrk keeps one request.",
	},
	{key: "f", title: "static 1 KiB file", server: staticServer, path: "/1k", wantLen: smallSize},
	{
		key: "g", title: "1 KiB GET proxied, realistic config", server: realisticServer, path: realisticPath,
		header:     []string{"User-Agent: " + browserAgent},
		wantLen:    smallSize,
		wantHeader: map[string]string{"X-User": "12345", "X-Client-Class": "desktop"},
	},
}

// selectScenarios reads the -scenarios flag: "all" or letters separated by
// commas, in the order of the issue whatever order they are given in.
func selectScenarios(spec string) ([]*scenario, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "all" {
		return scenarios, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(spec, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		if find(k) == nil {
			return nil, fmt.Errorf("unknown scenario %q (want letters a to g, or all)", k)
		}
		want[k] = true
	}
	var out []*scenario
	for _, sc := range scenarios {
		if want[sc.key] {
			out = append(out, sc)
		}
	}
	return out, nil
}

func find(key string) *scenario {
	for _, sc := range scenarios {
		if sc.key == key {
			return sc
		}
	}
	return nil
}

// method is the request method the scenario sends.
func (sc *scenario) method() string {
	if sc.body > 0 {
		return "POST"
	}
	return "GET"
}

// label is the scenario's name in the report.
func (sc *scenario) label() string { return sc.key + ". " + sc.title }

// wrkScript is the Lua script that makes wrk send the scenario's body, or
// "" when the default GET will do.
func (sc *scenario) wrkScript() string {
	if sc.body == 0 {
		return ""
	}
	return fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", %d)\nwrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n", sc.body)
}
