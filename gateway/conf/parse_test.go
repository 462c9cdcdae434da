package conf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFiles creates files (name -> content) in a new directory and
// returns it, with a trailing slash.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir() + "/"
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func TestIncludeGlobsAreSortedAndRelativeToTheConfDirectory(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf":     "events {}\nhttp {\n include conf.d/*.conf;\n include none/*.conf;\n}\n",
		"conf.d/b.conf":  "server { listen 127.0.0.1:8002; }\n",
		"conf.d/a.conf":  "server { listen 127.0.0.1:8001; include inner.inc; }\n",
		"conf.d/.x.conf": "this is not read;\n",
		"conf.d/c.txt":   "neither is this;\n",
		"inner.inc":      "server_name a;\n",
	})
	res, err := LoadFile(dir+"nginx.conf", Options{Prefix: dir})
	require.NoError(t, err)
	require.Len(t, res.Config.Servers, 2)
	require.Equal(t, "127.0.0.1:8001", res.Config.Servers[0].Listens[0].Addr)
	require.Equal(t, []string{"a"}, res.Config.Servers[0].Names)
	require.Equal(t, "127.0.0.1:8002", res.Config.Servers[1].Listens[0].Addr)
	require.Equal(t, []string{dir + "nginx.conf", dir + "conf.d/a.conf", dir + "inner.inc", dir + "conf.d/b.conf"}, res.Files)
}

func TestIncludedNodesKeepTheirFileAndLine(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "http {\n\n include x.conf;\n}\n",
		"x.conf":     "\n\nnosuch;\n",
	})
	_, err := LoadFile(dir+"nginx.conf", Options{})
	require.EqualError(t, err, `unknown directive "nosuch" in `+dir+`x.conf:3`)
}

func TestIncludeErrorsAsNginx(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"missing.conf":  "events {}\n\ninclude nx.conf;\n",
		"args.conf":     "include a b;\n",
		"block.conf":    "include a {}\n",
		"unclosed.conf": "http {\n include open.inc;\n}\n",
		"open.inc":      "server {\n",
		"closes.conf":   "http {\n include close.inc;\n",
		"close.inc":     "}\n",
		"loop.conf":     "include loop.conf;\n",
	})
	for name, want := range map[string]string{
		"missing.conf":  `open() "DIRnx.conf" failed (2: No such file or directory) in DIRmissing.conf:3`,
		"args.conf":     `invalid number of arguments in "include" directive in DIRargs.conf:1`,
		"block.conf":    `directive "include" is not terminated by ";" in DIRblock.conf:1`,
		"unclosed.conf": `unexpected end of file, expecting "}" in DIRopen.inc:2`,
		"closes.conf":   `unexpected "}" in DIRclose.inc:1`,
		"loop.conf":     `too deep include of "loop.conf" in DIRloop.conf:1`,
		"nx.conf":       `open() "DIRnx.conf" failed (2: No such file or directory)`,
	} {
		_, err := LoadFile(dir+name, Options{})
		require.EqualError(t, err, strings.ReplaceAll(want, "DIR", dir), name)
	}
}

func TestDumpPrintsEveryFileOnceAsNginxT(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "include inc.conf;\ninclude inc.conf;\nevents {\n}\n",
		"inc.conf":   "include inc2.conf;",
		"inc2.conf":  "#inc2.conf",
	})
	res, err := LoadFile(dir+"nginx.conf", Options{})
	require.NoError(t, err)
	want := "# configuration file " + dir + "nginx.conf:\ninclude inc.conf;\ninclude inc.conf;\nevents {\n}\n\n" +
		"# configuration file " + dir + "inc.conf:\ninclude inc2.conf;\n" +
		"# configuration file " + dir + "inc2.conf:\n#inc2.conf\n"
	var b bytes.Buffer
	require.NoError(t, Dump(&b, res.Files...))
	require.Equal(t, want, b.String())
	b.Reset()
	require.NoError(t, res.Dump(&b))
	require.Equal(t, want, b.String())
}

func TestDumpRefusesJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"njet.json": `[{"cmd":"events","args":[],"block":[]}]`})
	res, err := LoadFile(dir+"njet.json", Options{})
	require.NoError(t, err)
	require.EqualError(t, Dump(&bytes.Buffer{}, res.Files...), `"`+dir+`njet.json" is a json file, see the file directly`)
}

func TestGlobalsAreMainDirectivesAppliedFirst(t *testing.T) {
	res, err := LoadString("events {}", Options{Globals: "daemon off; pid /tmp/x.pid;"})
	require.NoError(t, err)
	require.False(t, res.Builder.Main.Daemon)
	require.Equal(t, "/tmp/x.pid", res.Builder.Main.PidFile)

	dir := writeFiles(t, map[string]string{"nginx.conf": "\ndaemon on;\n"})
	for _, tc := range []struct{ globals, want string }{
		{"daemon off;", `"daemon" directive is duplicate in ` + dir + `nginx.conf:2`},
		{"daemon off", `unexpected end of parameter, expecting ";" in command line`},
		{"events {}", `block directives are not supported in -g option in command line`},
		{"nosuch 1;", `unknown directive "nosuch" in command line`},
		{"worker_processes x;", `"worker_processes" directive invalid value in command line`},
	} {
		_, err := LoadFile(dir+"nginx.conf", Options{Globals: tc.globals})
		require.EqualError(t, err, tc.want, tc.globals)
	}
}

func writeFile(name, content string) error { return os.WriteFile(name, []byte(content), 0o644) }

func TestEarlierDirectiveErrorWinsOverLaterSyntaxError(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// nginx builds while it reads: the unknown directive comes first.
		{"http {\n bogus;\n server {\n listen 80 }", `unknown directive "bogus" in line 2`},
		{"http {\n server {\n  listen 80;\n", `unexpected end of file, expecting "}" in line 4`},
		{"http {\n server {\n  location / {\n  listen 80;\n", `"listen" directive is not allowed here in line 4`},
		{"events {}\nhttp {\n  types { text/html html; \n", `unexpected end of file, expecting "}" in line 4`},
	} {
		_, err := LoadString(tc.src, Options{})
		require.EqualError(t, err, tc.want, tc.src)
	}
}
