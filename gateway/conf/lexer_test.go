package conf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tokens parses src and returns each directive as its words joined by
// "|", with "{" or "}" marking blocks, for compact expectations.
func tokens(t *testing.T, src string) []string {
	t.Helper()
	nodes, err := Parse("", []byte(src))
	require.NoError(t, err, src)
	var out []string
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			out = append(out, strings.Join(append([]string{n.Name}, n.Args...), "|"))
			if n.Block != nil {
				out = append(out, "{")
				walk(n.Block)
				out = append(out, "}")
			}
		}
	}
	walk(nodes)
	return out
}

func TestLexerSplitsWordsAsNginx(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"spaces tabs newlines", "a  b\tc\r\n d;", []string{"a|b|c|d"}},
		{"comment at word start", "a b; # c d;\ne f;", []string{"a|b", "e|f"}},
		{"hash inside a word is not a comment", "a b#c;", []string{"a|b#c"}},
		{"double quotes", `a "b c" d;`, []string{"a|b c|d"}},
		{"single quotes", `a 'b "c"' d;`, []string{`a|b "c"|d`}},
		{"empty quoted word", `a "";`, []string{"a|"}},
		{"escaped quote, backslash, tab, cr, lf", `a "x\"y\\z\t\r\n";`, []string{"a|x\"y\\z\t\r\n"}},
		{"other backslashes are kept", `a \d+\.x "\w";`, []string{`a|\d+\.x|\w`}},
		{"escaped space joins a word", `a b\ c;`, []string{`a|b\ c`}},
		{"escaped semicolon stays escaped", `a b\;c;`, []string{`a|b\;c`}},
		{"quote inside a word is literal", `a b"c d;`, []string{`a|b"c|d`}},
		{"variable braces are not a block", `a ${x}y;`, []string{`a|${x}y`}},
		{"variable braces mid word", `a p${x}/q;`, []string{`a|p${x}/q`}},
		{"closing brace inside a word", `a b};`, []string{`a|b}`}},
		{"parenthesis after a quoted word", `if ($a = "x") { b; }`, []string{`if|($a|=|x|)`, "{", "b", "}"}},
		{"block right after a word", "a b{c;}", []string{"a|b", "{", "c", "}"}},
		{"semicolon right after a quoted word", `a "b";`, []string{"a|b"}},
		{"nested blocks", "a { b { c; } d; }", []string{"a", "{", "b", "{", "c", "}", "d", "}"}},
		{"empty block", "a {}", []string{"a", "{", "}"}},
		{"multi-line quoted", "a 'x\ny';", []string{"a|x\ny"}},
	} {
		require.Equal(t, tc.want, tokens(t, tc.src), tc.name)
	}
}

func TestLexerMarksQuotedArguments(t *testing.T) {
	nodes, err := Parse("", []byte(`a "b" c '' d"e";`))
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c", "", `d"e"`}, nodes[0].Args)
	require.Equal(t, []bool{true, false, true, false}, nodes[0].Quoted)
}

func TestLexerRecordsTheLineOfTheTerminator(t *testing.T) {
	nodes, err := Parse("", []byte("a;\n\nb\nc;\nd {\n e;\n}\n"))
	require.NoError(t, err)
	require.Equal(t, 1, nodes[0].Line)
	require.Equal(t, 4, nodes[1].Line)
	require.Equal(t, 5, nodes[2].Line)
	require.Equal(t, 6, nodes[2].Block[0].Line)
}

func TestLexerKeepsLuaCodeBlocksVerbatim(t *testing.T) {
	src := "location / {\n content_by_lua_block {\n  local t = { a = \"}\" } -- }\n  njt.say('}{') --[[ } ]] s = [==[ } ]==]\n }\n x;\n}\n"
	nodes, err := Parse("", []byte(src))
	require.NoError(t, err)
	loc := nodes[0]
	require.Len(t, loc.Block, 2)
	lua := loc.Block[0]
	require.Equal(t, "content_by_lua_block", lua.Name)
	require.NotNil(t, lua.Block)
	require.Empty(t, lua.Block)
	require.Equal(t, "\n  local t = { a = \"}\" } -- }\n  njt.say('}{') --[[ } ]] s = [==[ } ]==]\n ", lua.Code)
	require.Equal(t, "x", loc.Block[1].Name)
	require.Equal(t, 6, loc.Block[1].Line)
}

func TestLexerErrorsAsNginx(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a b", `unexpected end of file, expecting ";" or "}" in F:1`},
		{"a b\n", `unexpected end of file, expecting ";" or "}" in F:2`},
		{"a 'b", `unexpected end of file, expecting ";" or "}" in F:1`},
		{"a {\n b;\n", `unexpected end of file, expecting "}" in F:3`},
		{"a;\n}", `unexpected "}" in F:2`},
		{"a b }", `unexpected "}" in F:1`},
		{";", `unexpected ";" in F:1`},
		{"\n{", `unexpected "{" in F:2`},
		{`a "b"c;`, `unexpected "c" in F:1`},
		{`a 'b'"c";`, `unexpected """ in F:1`},
		{"a " + strings.Repeat("x", 5000) + ";", `too long parameter "xxxxxxxxxx..." started in F:1`},
		{"a \"" + strings.Repeat("x", 5000), `too long parameter, probably missing terminating """ character in F:1`},
		{"a {\n content_by_lua_block { x = '}", `unexpected end of file, expecting terminating characters for lua code block in F:2`},
	} {
		_, err := Parse("F", []byte(tc.src))
		require.EqualError(t, err, tc.want, tc.src)
	}
}
