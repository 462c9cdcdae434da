package conf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shape is a node tree without positions, for comparing ASTs.
type shape struct {
	Name  string
	Args  []string
	Code  string
	Block []shape
	Has   bool
}

func shapes(nodes []*Node) []shape {
	var out []shape
	for _, n := range nodes {
		s := shape{Name: n.Name, Args: append([]string{}, n.Args...), Code: n.Code, Has: n.Block != nil}
		s.Block = shapes(n.Block)
		out = append(out, s)
	}
	return out
}

// The §3.73 acceptance pairs, with the manual's JSON mistakes corrected.
var jsonPairs = []struct{ text, json string }{
	{
		`upstream backend1 { zone backend1 10m; server 127.0.0.1:5900 weight=1; }`,
		`[{"cmd":"upstream","args":["backend1"],"block":[{"cmd":"zone","args":["backend1","10m"]},{"cmd":"server","args":["127.0.0.1:5900","weight=1"]}]}]`,
	},
	{
		`http { dyn_kv_conf conf/iot-work.conf; access_log off; server { listen 8080; location / { root html; } } }`,
		`[{"cmd":"http","args":[],"block":[{"cmd":"dyn_kv_conf","args":["conf/iot-work.conf"]},{"cmd":"access_log","args":["off"]},
		  {"cmd":"server","args":[],"block":[{"cmd":"listen","args":["8080"]},{"cmd":"location","args":["/"],"block":[{"cmd":"root","args":["html"]}]}]}]}]`,
	},
	{
		`server { listen 443 ssl; ssl_certificate certs/rsa.server.cer.pem; ssl_certificate_key certs/rsa.server.key.pem; location / { root html; } }`,
		`[{"cmd":"server","args":[],"block":[{"cmd":"listen","args":["443","ssl"]},{"cmd":"ssl_certificate","args":["certs/rsa.server.cer.pem"]},
		  {"cmd":"ssl_certificate_key","args":["certs/rsa.server.key.pem"]},{"cmd":"location","args":["/"],"block":[{"cmd":"root","args":["html"]}]}]}]`,
	},
	{
		"location / { content_by_lua_block {\n\n njt.sleep(5)\n njt.say(\"test ok\")\n } }",
		`[{"cmd":"location","args":["/"],"block":[{"cmd":"content_by_lua_block","args":[],"block":[{"code":"\n\n njt.sleep(5)\n njt.say(\"test ok\")\n "}]}]}]`,
	},
	{
		`add_header Host $host; worker_processes auto; a "" 'x y'; events {}`,
		`[{"cmd":"add_header","args":["Host","$host"]},{"cmd":"worker_processes","args":["auto"]},{"cmd":"a","args":["","x y"]},{"cmd":"events","args":[],"block":[]}]`,
	},
}

func TestJSONConfigParsesToTheSameNodesAsText(t *testing.T) {
	for _, p := range jsonPairs {
		text, err := Parse("t.conf", []byte(p.text))
		require.NoError(t, err, p.text)
		js, err := Parse("t.json", []byte(p.json))
		require.NoError(t, err, p.json)
		require.Equal(t, shapes(text), shapes(js), p.text)

		// text -> AST -> JSON -> AST
		out, err := MarshalJSON(text)
		require.NoError(t, err)
		back, err := Parse("back.json", out)
		require.NoError(t, err, string(out))
		require.Equal(t, shapes(text), shapes(back), string(out))
	}
}

func TestJSONQuotedReflectsWhatTextNeedsQuotesFor(t *testing.T) {
	nodes, err := Parse("x.json", []byte(`[{"cmd":"a","args":["", "x y", "plain"]}]`))
	require.NoError(t, err)
	require.Equal(t, []bool{true, true, false}, nodes[0].Quoted)
}

func TestJSONConfigBuildsLikeText(t *testing.T) {
	text := "events { worker_connections 64; }\nhttp { client_max_body_size 5m; server { listen 127.0.0.1:9000; server_name a; location /x/ { internal; } } }"
	js := `[
	  {"cmd": "events", "args": [], "block": [{"cmd": "worker_connections", "args": ["64"]}]},
	  {"cmd": "http", "args": [], "block": [
	    {"cmd": "client_max_body_size", "args": ["5m"]},
	    {"cmd": "server", "args": [], "block": [
	      {"cmd": "listen", "args": ["127.0.0.1:9000"]},
	      {"cmd": "server_name", "args": ["a"]},
	      {"cmd": "location", "args": ["/x/"], "block": [{"cmd": "internal", "args": []}]}
	    ]}
	  ]}
	]`
	dir := writeFiles(t, map[string]string{"njet.conf": text, "njet.json": js})
	a, err := LoadFile(dir+"njet.conf", Options{})
	require.NoError(t, err)
	b, err := LoadFile(dir+"njet.json", Options{})
	require.NoError(t, err)
	sa, sb := a.Config.Servers[0], b.Config.Servers[0]
	require.Equal(t, sa.Listens, sb.Listens)
	require.Equal(t, sa.Names, sb.Names)
	require.Equal(t, sa.Root.Children[0].Name, sb.Root.Children[0].Name)
	require.Equal(t, sa.Root.Children[0].Core, sb.Root.Children[0].Core)
	require.Equal(t, a.Builder.Main, b.Builder.Main)
	require.Equal(t, int64(5<<20), sb.Root.Core.ClientMaxBodySize)

	// Also detected by content, without the .json name.
	c, err := LoadString(js, Options{})
	require.NoError(t, err)
	require.Equal(t, sa.Listens, c.Config.Servers[0].Listens)
}

func TestJSONErrorsAsOpenNJet(t *testing.T) {
	dir := writeFiles(t, map[string]string{"inc.conf": "daemon off;", "other.json": "[]"})
	for _, tc := range []struct{ src, want string }{
		{"[{\"cmd\": \"a\",\n \"args\": [}]", `JSON file parse error (line 2, colume 11): invalid character '}' looking for beginning of value in F`},
		{`{"cmd":"a"}`, `json root is null or is non-array-type in F`},
		{`null`, `json root is null or is non-array-type in F`},
		{"[\n 1]", `item should be a json object in F:2`},
		{`[{"cmd": 1}]`, `cmd should be a json string in F:1`},
		{`[{"args": []}]`, `cmd should be a json string in F:1`},
		{`[{"cmd": "a", "args": "x"}]`, `args should be a json array in F:1`},
		{`[{"cmd": "a", "args": [], "block": {}}]`, `block should be a json array in F:1`},
		{`[{"cmd": "nosuch", "args": []}]`, `unknown directive "nosuch" in F:1`},
		{`[{"cmd": "include", "args": ["other.json"]}]`, `parse json file only support one json file now in F:1`},
		{"[{\"cmd\": \"include\", \"args\": [\"inc.conf\"]},\n{\"cmd\": \"daemon\", \"args\": [\"on\"]}]", `"daemon" directive is duplicate in F:2`},
	} {
		name := dir + "t.json"
		require.NoError(t, writeFile(name, tc.src))
		_, err := LoadFile(name, Options{})
		want := strings.ReplaceAll(tc.want, " in F", " in "+name)
		require.EqualError(t, err, want, tc.src)
	}
}
