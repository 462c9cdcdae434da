package njtapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/gateway/conf"
)

func TestTokenizerAcceptsAndRefusesAsOpenNJetsJsmn(t *testing.T) {
	tests := []struct {
		in   string
		want int // token count, or errInval / errPart
	}{
		{`{"a":1}`, 3},
		{`{"a":[1,"x",{}]}`, 6},
		{` {"a" : tru } `, 3}, // primitives are not checked beyond their first byte
		{`{"a":"b\u00e9"}`, 3},
		{"{\"a\":1}\x00garbage", 3}, // a NUL byte ends the input
		{`{"a":1,}`, errInval},
		{`{"a":1 "b":2}`, errInval},
		{`{1:2}`, errInval},
		{`"top"`, errInval},
		{`5`, errInval},
		{`{"a":"\x"}`, errInval},
		{`{"a":1`, errPart},
		{`{"a":"b`, errPart},
		{`{"a":1}}`, errInval},
		{`["a":1]`, errInval},
		{``, 0},
	}
	for _, tt := range tests {
		_, n := tokenize([]byte(tt.in))
		require.Equal(t, tt.want, n, "%q", tt.in)
	}
}

var testSchema = ObjectOf(
	ServersField(LocationSchema(0,
		Field{Name: "on", Schema: Boolean(), NullCheck: true},
		Field{Name: "mode", Schema: Enumeration("a", "b"), NullCheck: true},
	), 1),
)

func TestParseReportsOpenNJetsMessagesAndPositions(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, "pos: 0, Missing required field in 'document root': servers"},
		{`{"foo": 1}`, "pos: 2, Unknown field in 'document root': foo"},
		{`{"servers": [{"listens": [], "serverNames": [""], "locations": []}]}`, "pos: 25, Array 'listens' too small. Length: 0. Minimum length: 1."},
		{`{"servers":[{"listens":["a"],"serverNames":[""],"locations":[{"location":"/","on":"yes"}]}]}`, "pos: 83, Unexpected token in 'on': STRING instead of PRIMITIVE"},
		{`{"servers":[{"listens":["a"],"serverNames":[""],"locations":[{"location":"/","on":1}]}]}`, "pos: 82, Invalid boolean literal in 'on': 1"},
		{`{"servers":[{"listens":["a"],"serverNames":[""],"locations":[{"location":"/","mode":"c"}]}]}`, "pos: 85, Unknown enum value in 'mode': c"},
		{`{"servers":[{"listens":["a"],"serverNames":[""],"locations":[{"on":true}]}]}`, "pos: 61, Missing required field in 'locations': location"},
		// the string "null" skips a member without consuming its value
		{`{"servers":[{"listens":["a"],"serverNames":[""],"locations":[{"on":"null","location":"/"}]}]}`, "pos: 68, Missing value in 'locations', after key: null"},
		{`{"servers":[`, "pos: -1, The string is not a full JSON packet, more bytes expected"},
		{`{"servers":[] x}`, "pos: -1, Invalid character inside JSON string"},
	}
	for _, tt := range tests {
		_, err := Parse(testSchema, []byte(tt.in))
		require.Error(t, err, tt.in)
		require.Equal(t, tt.want, err.Error(), tt.in)
	}
}

func TestParseReadsValues(t *testing.T) {
	o, err := Parse(testSchema, []byte(`{"servers":[{"listens":["a"],"serverNames":["n\"1\u0041"],"locations":[{"location":"/x","on":true,"locations":[{"location":"/y","on":"null"}]}]}]}`))
	require.NoError(t, err)
	s := o.Objs("servers")[0]
	require.Equal(t, []string{"a"}, s.Strs("listens"))
	require.Equal(t, []string{`n"1u0041`}, s.Strs("serverNames"), "\\u loses only its backslash, as OpenNJet")
	l := s.Objs("locations")[0]
	require.True(t, l.Bool("on"))
	require.False(t, l.Objs("locations")[0].Has("on"))
}

func TestResultJSONPutsDataFirst(t *testing.T) {
	r := NewResult()
	r.SetPath("servers[a,]")
	r.Error(" location not found")
	r.OK()
	r.UpdateCode()
	require.Equal(t, `{"data":["servers[a,] location not found"],"code":1,"msg":"partial success."}`, string(r.JSON()))
	r = NewResult()
	r.Error("x")
	r.UpdateCode()
	require.Equal(t, `{"data":["x"],"code":4,"msg":"update dyn conf error."}`, string(r.JSON()))
	require.Equal(t, `{"code":0,"msg":"success."}`, string(NewResult().JSON()))
}

func TestWriterEscapesOnlyWhatJSONNeeds(t *testing.T) {
	var w Writer
	w.String("a/b\"c\\d\n\x01é<")
	require.Equal(t, `"a/b\"c\\d\n\u0001é<"`, string(w.Bytes()))
}

func TestUnknownVariable(t *testing.T) {
	has := func(n string) bool { return n == "host" || n == "uri" }
	tests := []struct {
		in, name string
		bad      bool
	}{
		{"plain", "", false},
		{"$host$uri", "", false},
		{"http://${host}x", "", false},
		{"$nope", "nope", true},
		{"a$", "$", true},
		{"${host", "{", true},
		{"$-", "null variable", true},
	}
	for _, tt := range tests {
		name, bad := UnknownVariable(tt.in, has)
		require.Equal(t, tt.bad, bad, tt.in)
		require.Equal(t, tt.name, name, tt.in)
	}
}

func TestLocationKeysRoundTrip(t *testing.T) {
	tree := dyn.NewTree(nil)
	nodes, err := dyn.ParseSnippet("t", `http { server { listen 8080; server_name "ab"; location = "/x y" { location ~ ^/z/ {} } } }`)
	require.NoError(t, err)
	tree.Nodes = nodes
	srv := tree.Servers()[0]
	outer := Locations(srv)[0]
	inner := Locations(outer)[0]
	key := LocationKey("m", srv, []*conf.Node{outer, inner})
	ref, ok := ParseLocationKey("m", key)
	require.True(t, ok)
	require.Equal(t, LocRef{Listen: "0.0.0.0:8080", Server: "ab", Locations: []string{"=/xy", "~^/z/"}}, ref)
	s, l := Resolve(tree, ref)
	require.Same(t, srv, s)
	require.Same(t, inner, l)
	require.Same(t, outer, ChildLocation(srv, "=/x y"), "names compare as words joined")
	require.Same(t, inner, ChildLocation(outer, `"~" '^/z/'`))
	require.Same(t, srv, FindServer(tree, "127.0.0.1:8080", " AB "), "a specific address finds the wildcard listener's server")
	require.Nil(t, FindServer(tree, "127.0.0.1:8081", "ab"))
}
