package rewrite

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnescapeRedirectDecodesPrintableAndStopsAtQuestionMark(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http%3A%2F%2Fexample.com%2F%3Ffrom", "http://example.com/?from"},
		{"http%3A%2F%2Fexample.com%0D%0Asplit", "http://example.com%0D%0Asplit"},
		{"/a%20b", "/a%20b"},       // space is not above '%'
		{"/a%25b", "/a%25b"},       // '%' itself stays escaped
		{"/a%41b", "/aAb"},         // digit second
		{"/a%4ab", "/aJb"},         // letter second
		{"/a?x=%41", "/a?x=%41"},   // nothing after '?' is touched
		{"/a%3fx=%41", "/a?x=%41"}, // a decoded '?' ends decoding too
		{"/a%zz", "/azz"},          // bad first digit: '%' dropped
		{"/a%4z", "/a"},            // bad second digit: all three dropped, as nginx
		{"/plain", "/plain"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, unescapeRedirect(tt.in), tt.in)
	}
}

func TestEscapeArgsEscapesWhatNginxEscapesInArguments(t *testing.T) {
	require.Equal(t, "/capturedup/%25", escapeArgs("/capturedup/%"))
	require.Equal(t, "a%20b%26c%2Bd%3Be%3Ff%23g", escapeArgs("a b&c+d;e?f#g"))
	require.Equal(t, "keep-/:@!$'()*,=~._", escapeArgs("keep-/:@!$'()*,=~._"))
	require.Equal(t, "%C3%A9", escapeArgs("é"))
}

func TestParseReplacementSplitsArgumentsAtFirstQuestionMark(t *testing.T) {
	r, err := parseReplacement("/a$1?x=$2&y=${arg_z}?w", true)
	require.NoError(t, err)
	require.True(t, r.split)
	require.True(t, r.question)
	var kinds []partKind
	var args []bool
	for _, p := range r.parts {
		kinds = append(kinds, p.kind)
		args = append(args, p.args)
	}
	require.Equal(t, []partKind{partLiteral, partCapture, partLiteral, partCapture, partLiteral, partVar, partLiteral}, kinds)
	require.Equal(t, []bool{false, false, true, true, true, true, true}, args)
	require.Equal(t, "arg_z", r.parts[5].name)
	require.Equal(t, "?w", r.parts[6].lit)
}

func TestParseReplacementKeepsQuestionMarkOfRedirects(t *testing.T) {
	r, err := parseReplacement("http://x/?a=$1", false)
	require.NoError(t, err)
	require.False(t, r.split)
	require.True(t, r.question)
	require.Equal(t, "http://x/?a=", r.parts[0].lit)
}

func TestParseReplacementErrors(t *testing.T) {
	for in, msg := range map[string]string{
		"/a$":     "invalid variable name",
		"/a${":    "invalid variable name",
		"/a${foo": `the closing bracket in "foo" variable is missing`,
		"/a$-":    "invalid variable name",
	} {
		_, err := parseReplacement(in, true)
		require.EqualError(t, err, msg, in)
	}
}

func TestExtenFindsTheLastSegmentsExtension(t *testing.T) {
	for uri, want := range map[string]string{
		"/a/b.html": "html", "/a.b/c": "", "/.hidden": "", "/x.tar.gz": "gz", "/": "", "/a/": "",
	} {
		require.Equal(t, want, exten(uri), uri)
	}
}
