package ssi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder is a handler that writes what the parser found as text, so
// that runs over different splits can be compared.
type recorder struct {
	b    strings.Builder
	logs []string
}

func (r *recorder) text(p []byte) { r.b.Write(p) }

func (r *recorder) command(name string, params []param) {
	fmt.Fprintf(&r.b, "{%s", name)
	for _, p := range params {
		fmt.Fprintf(&r.b, " %s=%s", p.key, p.value)
	}
	r.b.WriteString("}")
}

func (r *recorder) malformed() { r.b.WriteString("{ERROR}") }

func (r *recorder) logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func parseInPieces(doc string, size int) (string, []string) {
	p := newParser(255)
	var r recorder
	for i := 0; i < len(doc); i += size {
		end := min(i+size, len(doc))
		p.feed([]byte(doc[i:end]), &r)
	}
	return r.b.String(), r.logs
}

func TestParserFindsCommandsWhateverTheWriteBoundaries(t *testing.T) {
	tests := []struct {
		doc, want string
		logs      []string
	}{
		{doc: "plain text", want: "plain text"},
		{doc: `a<!--#echo var="x" -->b`, want: "a{echo var=x}b"},
		{doc: `<!--#echo  var = 'x'	default="d" -->`, want: "{echo var=x default=d}"},
		{doc: "<!--#endif-->", want: "{endif}"},
		{doc: "<!--#\n  else\r\n-->", want: "{else}"},
		{doc: `a<b<!c<!-d<!--e<<!--#x -->`, want: "a<b<!c<!-d<!--e<{x}"},
		{doc: `<!-- comment -->`, want: `<!-- comment -->`},
		{doc: `<!--#set var="a" value="say \"hi\" \$x" -->`, want: `{set var=a value=say \"hi\" \$x}`},
		{doc: `<!--#echo var="x"y -->z`, want: "{ERROR}z",
			logs: []string{`unexpected "y" symbol after "x" value of "var" parameter in "echo" SSI command`}},
		{doc: `<!--#echo var -->z`, want: "{ERROR}z",
			logs: []string{`unexpected "-" symbol after "var" parameter in "echo" SSI command`}},
		{doc: `<!--#echo var=x -->z`, want: "{ERROR}z",
			logs: []string{`unexpected "x" symbol before value of "var" parameter in "echo" SSI command`}},
		{doc: `<!--#echo va-r="x" -->z`, want: "{ERROR}z",
			logs: []string{`invalid "va-" parameter in "echo" SSI command`}},
		{doc: `<!--#echo -x->z-->`, want: "{ERROR}",
			logs: []string{`unexpected "x" symbol in "echo" SSI command`}},
		{doc: `<!--#` + strings.Repeat("c", 33) + ` -->z`, want: "{ERROR}z",
			logs: []string{`the "` + strings.Repeat("c", 32) + `c..." SSI command is too long`}},
		// the end of the document inside a command drops it, and text
		// that may start a command is held until it is known
		{doc: `x<!--#echo var="y"`, want: "x"},
		{doc: `x<!-`, want: "x"},
	}
	for _, tt := range tests {
		for size := 1; size <= len(tt.doc); size++ {
			got, logs := parseInPieces(tt.doc, size)
			require.Equal(t, tt.want, got, "%q in pieces of %d", tt.doc, size)
			require.Equal(t, tt.logs, logs, "%q in pieces of %d", tt.doc, size)
		}
	}
}

func TestParserRefusesValuesLongerThanTheValueLength(t *testing.T) {
	p := newParser(4)
	var r recorder
	p.feed([]byte(`<!--#echo var="abcd" --><!--#echo var="abcde" -->.`), &r)
	require.Equal(t, "{echo var=abcd}{ERROR}.", r.b.String())
	require.Equal(t, []string{`too long "abcde..." value of "var" parameter in "echo" SSI command`}, r.logs)
}

func TestReconstructWritesACommandBack(t *testing.T) {
	got := reconstruct("include", []param{{"virtual", "/a"}, {"stub", "b"}})
	require.Equal(t, `<!--#include virtual="/a" stub="b" -->`, string(got))
}

func TestStrftimeFormatsAsTheCLocale(t *testing.T) {
	tm := mustTime(t, "2009-02-03T04:05:06Z")
	tests := map[string]string{
		"%A, %d-%b-%Y %H:%M:%S %Z": "Tuesday, 03-Feb-2009 04:05:06 GMT",
		"%a %B %e %j %y %C":        "Tue February  3 034 09 20",
		"%I:%M %p|%l|%k":           "04:05 AM| 4| 4",
		"%F %T %D %R":              "2009-02-03 04:05:06 02/03/09 04:05",
		"%s %u %w %%%q":            "1233633906 2 2 %%q",
		"%-d/%_m/%^a":              "3/ 2/TUE",
		"IF":                       "IF",
		"%z":                       "+0000",
		"%U %W %V %G":              "05 05 06 2009",
	}
	for format, want := range tests {
		require.Equal(t, want, Strftime(format, tm, "GMT"), format)
	}
}

func TestParseUnsafeURISplitsArgsAndDecodesThePath(t *testing.T) {
	tests := []struct {
		in, path, args string
		ok             bool
	}{
		{"/a.html?x=1", "/a.html", "x=1", true},
		{"/tes%741.html?test=test", "/test1.html", "test=test", true},
		{"/test1.html%3ftest=test", "/test1.html?test=test", "", true},
		{"/a%zz", "/azz", "", true},
		{"/a/../b", "", "", false},
		{"../b", "", "", false},
		{"/a/%2e%2e/b", "", "", false},
		{"/a%00", "", "", false},
		{"?x", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		path, args, ok := parseUnsafeURI(tt.in)
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, tt.path, path, tt.in)
		require.Equal(t, tt.args, args, tt.in)
	}
}

func TestEscapesOfEcho(t *testing.T) {
	require.Equal(t, "%3Ctest%3E%20%22a%22%7B%7D", escapeURIHTML(`<test> "a"{}`))
	require.Equal(t, "a/b?c=d&amp;", escapeHTML("a/b?c=d&"))
	require.Equal(t, "&lt;b&gt; &amp; &quot;q&quot; 'x'", escapeHTML(`<b> & "q" 'x'`))
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}
