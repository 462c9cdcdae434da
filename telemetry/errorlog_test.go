package telemetry

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

func TestErrorLogLineFormat(t *testing.T) {
	name := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenErrorLog(name, gateway.LevelError)
	require.NoError(t, err)
	defer l.Close()
	l.Log(gateway.LevelError, 7, `open() "/x" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /x HTTP/1.1"`)
	l.Log(gateway.LevelAlert, 0, "no connection")
	pid := strconv.Itoa(os.Getpid())
	lines := strings.Split(readFile(t, name), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[error\] `+pid+`#`+pid+`: \*7 open\(\) "/x" failed \(2: No such file or directory\), client: 127\.0\.0\.1, server: localhost, request: "GET /x HTTP/1\.1"$`, lines[0])
	require.Regexp(t, `^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[alert\] `+pid+`#`+pid+`: no connection$`, lines[1])
	require.Equal(t, "", lines[2])
}

func TestErrorLogKeepsItsLevelAndMoreSevere(t *testing.T) {
	name := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenErrorLog(name, gateway.LevelWarn)
	require.NoError(t, err)
	defer l.Close()
	for lv := gateway.LevelEmerg; lv <= gateway.LevelDebug; lv++ {
		require.Equal(t, lv <= gateway.LevelWarn, l.Enabled(lv), lv.String())
		l.Log(lv, 1, "at "+lv.String())
	}
	got := readFile(t, name)
	for _, s := range []string{"[emerg]", "[alert]", "[crit]", "[error]", "[warn]"} {
		require.Contains(t, got, s)
	}
	for _, s := range []string{"[notice]", "[info]", "[debug]"} {
		require.NotContains(t, got, s)
	}
}

func TestErrorLogCutsLongLines(t *testing.T) {
	name := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenErrorLog(name, gateway.LevelError)
	require.NoError(t, err)
	defer l.Close()
	l.Log(gateway.LevelError, 1, strings.Repeat("x", 5000))
	got := readFile(t, name)
	require.Len(t, got, maxErrorLine)
	require.True(t, strings.HasSuffix(got, "x\n"))
}

func TestErrorLogsWriteToEachByItsLevel(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenErrorLog(filepath.Join(dir, "a.log"), gateway.LevelError)
	require.NoError(t, err)
	b, err := OpenErrorLog(filepath.Join(dir, "b.log"), gateway.LevelInfo)
	require.NoError(t, err)
	ls := ErrorLogs{a, b}
	defer ls.Close()
	require.True(t, ls.Enabled(gateway.LevelInfo))
	require.False(t, ls.Enabled(gateway.LevelDebug))
	ls.Log(gateway.LevelInfo, 0, "info line")
	ls.Log(gateway.LevelError, 0, "error line")
	require.NotContains(t, readFile(t, filepath.Join(dir, "a.log")), "info line")
	require.Contains(t, readFile(t, filepath.Join(dir, "a.log")), "error line")
	require.Contains(t, readFile(t, filepath.Join(dir, "b.log")), "info line")
	require.Contains(t, readFile(t, filepath.Join(dir, "b.log")), "error line")
}

func TestErrorLogReopen(t *testing.T) {
	name := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenErrorLog(name, gateway.LevelError)
	require.NoError(t, err)
	defer l.Close()
	l.Log(gateway.LevelError, 0, "old")
	require.NoError(t, os.Rename(name, name+".1"))
	require.NoError(t, l.Reopen())
	l.Log(gateway.LevelError, 0, "new")
	require.Contains(t, readFile(t, name+".1"), "old")
	require.Contains(t, readFile(t, name), "new")
	require.NotContains(t, readFile(t, name), "old")
}

func TestParseLevel(t *testing.T) {
	cases := []struct {
		args  []string
		level gateway.Level
		err   string
	}{
		{nil, gateway.LevelError, ""},
		{[]string{"info"}, gateway.LevelInfo, ""},
		{[]string{"emerg"}, gateway.LevelEmerg, ""},
		{[]string{"debug_http"}, gateway.LevelDebug, ""},
		{[]string{"debug_http", "debug_core"}, gateway.LevelDebug, ""},
		{[]string{"warn", "info"}, 0, `duplicate log level "info"`},
		{[]string{"debug_http", "info"}, 0, `duplicate log level "info"`},
		{[]string{"info", "debug_http"}, 0, `invalid log level "debug_http"`},
		{[]string{"verbose"}, 0, `invalid log level "verbose"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			lv, err := ParseLevel(tc.args)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.level, lv)
		})
	}
}

func TestSyslogTargets(t *testing.T) {
	cases := []struct {
		target string
		err    string
	}{
		{"syslog:server=127.0.0.1", ""},
		{"syslog:server=127.0.0.1:5140,facility=local1,severity=warn,tag=web_1,nohostname", ""},
		{"syslog:server=unix:/dev/log", ""},
		{"syslog:facility=local1", "no syslog server specified"},
		{"syslog:server=127.0.0.1,server=127.0.0.2", `duplicate syslog "server"`},
		{"syslog:server=127.0.0.1,facility=local9", `unknown syslog facility "local9"`},
		{"syslog:server=127.0.0.1,severity=err", `unknown syslog severity "err"`},
		{"syslog:server=127.0.0.1,tag=a-b", `syslog "tag" only allows alphanumeric characters and underscore`},
		{"syslog:server=127.0.0.1,tag=" + strings.Repeat("a", 33), "syslog tag length exceeds 32"},
		{"syslog:server=127.0.0.1,bogus", `unknown syslog parameter "bogus"`},
		{"syslog:server=127.0.0.1:99999", `invalid port in syslog server "127.0.0.1:99999"`},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			s, err := ParseSyslog(tc.target)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, s.Addr)
		})
	}
}

func TestSyslogMessageFormat(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	target := "syslog:server=" + pc.LocalAddr().String()

	read := func() string {
		buf := make([]byte, 4096)
		pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		require.NoError(t, err)
		return string(buf[:n])
	}
	// an access log: local7.info, hostname and tag
	s, err := ParseSyslog(target)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Send(-1, []byte("/x:200")))
	require.Regexp(t, `^<190>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d `+regexp.QuoteMeta(logHostname())+` nginx: /x:200$`, read())

	// an error log: the line's level is the severity
	l, err := OpenErrorLog(target+",tag=njet,nohostname", gateway.LevelError)
	require.NoError(t, err)
	defer l.Close()
	l.Log(gateway.LevelError, 3, "boom")
	require.Regexp(t, `^<187>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d njet: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[error\] \d+#\d+: \*3 boom$`, read())
}
