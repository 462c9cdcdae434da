package upstreamapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/upstreamapi"
)

const base = "/api/v1/upstream_api/http/upstreams/"

// hits sends n requests to /demo and returns the set of answers.
func hits(t *testing.T, e *dyntest.Env, target string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		r := e.Get("", target)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		out[string(r.Body)]++
	}
	return out
}

func TestTrafficFollowsMemberChanges(t *testing.T) {
	e, rw := dyntest.Recorded(t, "", dyntest.Options{})
	b3 := rw["127.0.0.1:9003"]
	require.Equal(t, map[string]int{"backend 9001 demo": 2, "backend 9002 demo": 2}, hits(t, e, "/demo", 4))

	r := e.API("POST", base+"backend1/servers/", `{"server":"`+b3+`"}`)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var added upstreamapi.Server
	require.NoError(t, json.Unmarshal(r.Body, &added))
	require.Equal(t, 2, added.ID)
	require.Equal(t, map[string]int{"backend 9001 demo": 1, "backend 9002 demo": 1, "backend 9003 demo": 1}, hits(t, e, "/demo", 3))

	r = e.API("PATCH", base+"backend1/servers/0", `{"down":true}`)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.Equal(t, map[string]int{"backend 9002 demo": 2, "backend 9003 demo": 2}, hits(t, e, "/demo", 4))

	r = e.API("DELETE", base+"backend1/servers/2", "")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.Equal(t, map[string]int{"backend 9002 demo": 3}, hits(t, e, "/demo", 3))

	r = e.API("DELETE", base+"backend1/servers/1", "")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	// only a down member is left: no live upstream
	require.Equal(t, 502, e.Get("", "/demo").Status)

	r = e.API("PATCH", base+"backend1/servers/0", `{"down":false}`)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.Equal(t, map[string]int{"backend 9001 demo": 2}, hits(t, e, "/demo", 2))
}

func TestGoAPIChangesMembersWithoutHTTP(t *testing.T) {
	e, rw := dyntest.Recorded(t, "", dyntest.Options{})
	ctx := context.Background()
	addr := rw["127.0.0.1:9001"]
	w := 3
	s, err := upstreamapi.AddServer(ctx, e.RT, "backend2", upstreamapi.Patch{Server: &addr, Weight: &w})
	require.NoError(t, err)
	require.Equal(t, 1, s.ID)
	require.Equal(t, 3, s.Weight)
	list, err := upstreamapi.Servers(ctx, e.RT, "backend2")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Len(t, hits(t, e, "/demo2", 4), 2)

	_, err = upstreamapi.AddServer(ctx, e.RT, "nosuch", upstreamapi.Patch{Server: &addr})
	require.ErrorIs(t, err, upstreamapi.ErrUpstreamNotFound)
	u, err := upstreamapi.DeleteServer(ctx, e.RT, "backend2", 0)
	require.NoError(t, err)
	require.Len(t, u.Peers, 1)
	require.Equal(t, map[string]int{"backend 9001 demo": 3}, hits(t, e, "/demo2", 3))
}

func TestBadInputIsAnsweredAndChangesNothing(t *testing.T) {
	e, _ := dyntest.Recorded(t, "", dyntest.Options{})
	big := `{"server":"127.0.0.1:1","route":"` + strings.Repeat("x", dyn.MaxBody) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed json", "POST", "backend2/servers/", `{"server":`, 415, "JsonError"},
		{"not an object", "POST", "backend2/servers/", `["127.0.0.1:1"]`, 415, "JsonError"},
		{"null", "POST", "backend2/servers/", `null`, 415, "JsonError"},
		{"trailing data", "POST", "backend2/servers/", `{"server":"127.0.0.1:1"} x`, 415, "JsonError"},
		{"empty body", "POST", "backend2/servers/", ``, 415, "JsonError"},
		{"wrong type weight", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","weight":"2"}`, 415, "JsonError"},
		{"wrong type down", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","down":"yes"}`, 415, "JsonError"},
		{"nested object", "POST", "backend2/servers/", `{"server":{"a":1}}`, 415, "JsonError"},
		{"unknown field", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","bogus":1}`, 415, "JsonError"},
		{"read-only id", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","id":7}`, 415, "JsonError"},
		{"negative max_fails", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","max_fails":-1}`, 415, "JsonError"},
		{"negative max_conns", "PATCH", "backend2/servers/0", `{"max_conns":-1}`, 415, "JsonError"},
		{"bad fail_timeout", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","fail_timeout":"soon"}`, 400, "UpstreamConfFormatError"},
		{"bad slow_start", "PATCH", "backend2/servers/0", `{"slow_start":"x"}`, 400, "UpstreamConfFormatError"},
		{"missing server", "POST", "backend2/servers/", `{"weight":1}`, 400, "UpstreamConfFormatError"},
		{"bad port", "POST", "backend2/servers/", `{"server":"127.0.0.1:99999"}`, 400, "UpstreamBadAddress"},
		{"host name without resolver", "POST", "backend2/servers/", `{"server":"example.com"}`, 400, "UpstreamConfNoResolver"},
		{"host name on patch", "PATCH", "backend2/servers/0", `{"server":"example.com:80"}`, 400, "UpstreamBadAddress"},
		{"service with an address", "POST", "backend2/servers/", `{"server":"127.0.0.1:1","service":"http"}`, 400, "UpstreamConfFormatError"},
		{"unknown upstream", "POST", "nosuch/servers/", `{"server":"127.0.0.1:1"}`, 404, "UpstreamNotFound"},
		{"unknown server", "PATCH", "backend2/servers/42", `{"down":true}`, 404, "UpStreamServerNotFound"},
		{"negative id", "DELETE", "backend2/servers/-1", ``, 400, "UpStreamBadServerId"},
		// client_max_body_size (1m by default) refuses it before the API
		{"oversized body", "POST", "backend2/servers/", big, 413, ""},
		{"put", "PUT", "backend2/servers/0", `{}`, 404, "MethodNotSupported"},
	}
	ctx := context.Background()
	before, err := upstreamapi.Servers(ctx, e.RT, "backend2")
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.API(c.method, base+c.path, c.body)
			require.Equal(t, c.status, r.Status, "%s", r.Body)
			if c.code != "" {
				var body struct {
					Error struct{ Code string } `json:"error"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &body))
				require.Equal(t, c.code, body.Error.Code)
			}
			after, err := upstreamapi.Servers(ctx, e.RT, "backend2")
			require.NoError(t, err)
			require.Equal(t, before, after)
			list, err := e.Store.List(ctx, dyn.Root)
			require.NoError(t, err)
			require.Empty(t, list)
		})
	}
}

func TestBackupNeedsABalancerWithBackups(t *testing.T) {
	conf := strings.Replace(dyntest.DataConf, "zone backend2 256k;", "zone backend2 256k; ip_hash;", 1)
	e, rw := dyntest.Recorded(t, conf, dyntest.Options{})
	r := e.API("POST", base+"backend2/servers/", `{"server":"`+rw["127.0.0.1:9001"]+`","backup":true}`)
	require.Equal(t, 400, r.Status, "%s", r.Body)
	require.Contains(t, string(r.Body), "UpstreamNoBackup")
	r = e.API("POST", base+"backend1/servers/", `{"server":"`+rw["127.0.0.1:9003"]+`","backup":true}`)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	// backup members serve when every primary one is down
	for _, id := range []string{"0", "1"} {
		require.Equal(t, 200, e.API("PATCH", base+"backend1/servers/"+id, `{"down":true}`).Status)
	}
	require.Equal(t, map[string]int{"backend 9003 demo": 2}, hits(t, e, "/demo", 2))
}

func TestMembersSurviveARestartWithBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dyn.db")
	store, err := dyn.OpenBolt(path)
	require.NoError(t, err)
	prefix := t.TempDir() + "/"
	e, rw := dyntest.Recorded(t, "", dyntest.Options{Store: store, Prefix: prefix})
	b3 := rw["127.0.0.1:9003"]
	require.Equal(t, 201, e.API("POST", base+"backend1/servers/", `{"server":"`+b3+`","weight":2}`).Status)
	require.Equal(t, 200, e.API("DELETE", base+"backend1/servers/0", "").Status)
	want := e.API("GET", base+"backend1/servers/", "").Body
	e.RT.Stop()
	require.NoError(t, store.Close())

	store, err = dyn.OpenBolt(path)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	conf := dyntest.DataConf
	for from, to := range rw {
		conf = strings.ReplaceAll(conf, from, to)
	}
	e2 := dyntest.New(t, conf, dyntest.Options{Store: store, Prefix: prefix})
	require.JSONEq(t, string(want), string(e2.API("GET", base+"backend1/servers/", "").Body))
	require.Equal(t, map[string]int{"backend 9002 demo": 1, "backend 9003 demo": 2}, hits(t, e2, "/demo", 3))
	// IDs go on from where they were
	r := e2.API("POST", base+"backend1/servers/", `{"server":"`+rw["127.0.0.1:9001"]+`"}`)
	require.Equal(t, 201, r.Status)
	require.Contains(t, string(r.Body), `"id":3`)
}

// TestConcurrentWritersWhileTrafficFlows runs many writers on the API
// while requests are proxied: every write is applied or refused with a
// documented answer, the data plane never fails, and the final member
// list is exactly what the successful writes left.
func TestConcurrentWritersWhileTrafficFlows(t *testing.T) {
	e, rw := dyntest.Recorded(t, "", dyntest.Options{})
	addrs := []string{rw["127.0.0.1:9001"], rw["127.0.0.1:9002"], rw["127.0.0.1:9003"]}
	stop := make(chan struct{})
	var traffic sync.WaitGroup
	var failures sync.Map
	for range 4 {
		traffic.Add(1)
		go func() {
			defer traffic.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := e.Get("", "/demo")
				if r.Status != 200 {
					failures.Store(r.Status, string(r.Body))
				}
			}
		}()
	}
	const writers, rounds = 8, 10
	var mu sync.Mutex
	live := map[int]bool{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				r := e.API("POST", base+"backend1/servers/", fmt.Sprintf(`{"server":"%s","weight":%d}`, addrs[(w+i)%3], 1+i%3))
				if r.Status != 201 {
					failures.Store("post", fmt.Sprint(r.Status, string(r.Body)))
					continue
				}
				var s upstreamapi.Server
				if err := json.Unmarshal(r.Body, &s); err != nil {
					failures.Store("post body", err.Error())
					continue
				}
				r = e.API("PATCH", base+fmt.Sprintf("backend1/servers/%d", s.ID), `{"max_fails":3}`)
				if r.Status != 200 {
					failures.Store("patch", fmt.Sprint(r.Status, string(r.Body)))
				}
				if i%2 == 0 {
					r = e.API("DELETE", base+fmt.Sprintf("backend1/servers/%d", s.ID), "")
					if r.Status != 200 {
						failures.Store("delete", fmt.Sprint(r.Status, string(r.Body)))
						continue
					}
				} else {
					mu.Lock()
					live[s.ID] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	traffic.Wait()
	failures.Range(func(k, v any) bool {
		t.Errorf("failure %v: %v", k, v)
		return true
	})
	list, err := upstreamapi.Servers(context.Background(), e.RT, "backend1")
	require.NoError(t, err)
	got := map[int]bool{}
	for _, s := range list {
		if s.ID >= 2 {
			got[s.ID] = true
			require.Equal(t, 3, s.MaxFails)
		}
	}
	require.Equal(t, live, got)
	require.Len(t, list, 2+writers*rounds/2)
}
