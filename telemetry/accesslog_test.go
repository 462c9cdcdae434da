package telemetry

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

func testFormat(t *testing.T, c *gateway.Ctx, text string) *Format {
	t.Helper()
	f, err := CompileFormat(c.Config.Vars, "test", EscapeDefault, text)
	require.NoError(t, err)
	return f
}

func testTemplate(t *testing.T, c *gateway.Ctx, text string) *gateway.Template {
	t.Helper()
	tpl, err := c.Config.Vars.CompileTemplate(text)
	require.NoError(t, err)
	return tpl
}

func TestAccessLogIfSkipsEmptyAndZero(t *testing.T) {
	// access_log.t "filtered" and "complex"
	cases := []struct {
		cond, target string
		logged       bool
	}{
		{"$arg_logme", "/filtered", false},
		{"$arg_logme", "/filtered/empty?logme=", false},
		{"$arg_logme", "/filtered/zero?logme=0", false},
		{"$arg_logme", "/filtered/good?logme=1", true},
		{"$arg_logme", "/filtered/work?logme=yes", true},
		{"$arg_logme$arg_logmetoo", "/complex", false},
		{"$arg_logme$arg_logmetoo", "/complex/one?logme=1", true},
		{"$arg_logme$arg_logmetoo", "/complex/two?logmetoo=1", true},
		{"$arg_logme$arg_logmetoo", "/complex/either4?logme=0&logmetoo=0", true},
		{"$arg_logme$arg_logmetoo", "/complex/neither?logme=&logmetoo=", false},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "filtered.log")
			f, err := OpenFile(name, Buffering{})
			require.NoError(t, err)
			defer f.Close()
			c := testCtx(tc.target)
			a := &AccessLog{Format: testFormat(t, c, "$uri:$status"), File: f, If: testTemplate(t, c, tc.cond)}
			a.Write(c)
			if tc.logged {
				require.Equal(t, c.URI+":200\n", readFile(t, name))
			} else {
				require.Equal(t, "", readFile(t, name))
			}
		})
	}
}

func TestAccessLogsOfOneFileShareItsBuffer(t *testing.T) {
	// access_log.t "noreuse": two buffered logs of one file, each with its
	// own condition, write through one buffer in request order.
	name := filepath.Join(t.TempDir(), "noreuse.log")
	f, err := OpenFile(name, Buffering{Size: 16 << 10})
	require.NoError(t, err)
	c := testCtx("/")
	ll := &LocationLog{Logs: []*AccessLog{
		{Format: testFormat(t, c, "$uri:$status"), File: f, If: testTemplate(t, c, "$arg_a")},
		{Format: testFormat(t, c, "$uri:$status"), File: f, If: testTemplate(t, c, "$arg_b")},
	}}
	for _, target := range []string{"/noreuse1/zero?a=0", "/noreuse1/good?a=1", "/noreuse2/zero?b=0", "/noreuse2/good?b=1"} {
		ll.Handle(sameConfig(c, target))
	}
	require.Equal(t, "", readFile(t, name))
	require.NoError(t, f.Close())
	require.Equal(t, "/noreuse1/good:200\n/noreuse2/good:200\n", readFile(t, name))
}

func TestLocationLogWritesEveryLogAndCanBeSwitchedOff(t *testing.T) {
	dir := t.TempDir()
	c := testCtx("/multi")
	var logs []*AccessLog
	for _, n := range []string{"multi1.log", "multi2.log"} {
		f, err := OpenFile(filepath.Join(dir, n), Buffering{})
		require.NoError(t, err)
		defer f.Close()
		logs = append(logs, &AccessLog{Format: testFormat(t, c, "$uri:$status"), File: f})
	}
	ll := &LocationLog{Logs: logs}
	require.Equal(t, gateway.Continue, ll.Handle(c))
	ll.SetEnabled(false)
	require.False(t, ll.Enabled())
	ll.Handle(c)
	for _, n := range []string{"multi1.log", "multi2.log"} {
		require.Equal(t, "/multi:200\n", readFile(t, filepath.Join(dir, n)))
	}
}

func TestAccessLogPathWithVariables(t *testing.T) {
	// access_log.t "varlog": the name is computed per request, under an
	// existing document root.
	dir := t.TempDir() + "/"
	root := gateway.NewLocation(gateway.MatchPrefix, "/")
	root.Core.Root = gateway.StaticTemplate(dir)
	for _, target := range []string{"/varlog?logname=0", "/varlog?logname=filename"} {
		c := testCtx(target)
		c.Loc = root
		a := &AccessLog{Format: testFormat(t, c, "$uri:$status"), Path: testTemplate(t, c, dir+"varlog_${arg_logname}")}
		a.Write(c)
	}
	require.Equal(t, "/varlog:200\n", readFile(t, dir+"varlog_0"))
	require.Equal(t, "/varlog:200\n", readFile(t, dir+"varlog_filename"))

	// no document root: nothing is written
	c := testCtx("/varlog?logname=x")
	missing := gateway.NewLocation(gateway.MatchPrefix, "/")
	missing.Core.Root = gateway.StaticTemplate(dir + "nowhere")
	c.Loc = missing
	c.Config.ErrorLog = ErrorLogs{}
	a := &AccessLog{Format: testFormat(t, c, "$uri"), Path: testTemplate(t, c, dir+"varlog_${arg_logname}")}
	a.Write(c)
	_, err := os.Stat(dir + "varlog_x")
	require.True(t, os.IsNotExist(err))
}
