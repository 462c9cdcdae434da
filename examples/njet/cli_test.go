package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// njetBinary builds the command once for the tests that run it as a
// user would.
func njetBinary(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "njet-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "njet")
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Log(string(out))
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// TestConfigTestReportsFileAndLine runs "njet -t" on broken
// configurations: each must name the file and line, as nginx -t does, and
// exit 1; a good one prints nginx's two success lines and exits 0.
func TestConfigTestReportsFileAndLine(t *testing.T) {
	bin := njetBinary(t)
	cases := []struct {
		name, conf, want string
		code             int
	}{
		{"unknown directive", "events {}\nhttp {\n    bogus on;\n}\n",
			`njet: [emerg] unknown directive "bogus" in %s:3` + "\n" + `njet: configuration file %s test failed` + "\n", 1},
		{"wrong context", "events {}\nlisten 80;\nhttp {}\n",
			`njet: [emerg] "listen" directive is not allowed here in %s:2` + "\n" + `njet: configuration file %s test failed` + "\n", 1},
		{"missing semicolon", "events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n",
			`njet: [emerg] unexpected "}" in %s:5` + "\n" + `njet: configuration file %s test failed` + "\n", 1},
		{"unbalanced brace", "events {}\nhttp {\n}\n}\n",
			`njet: [emerg] unexpected "}" in %s:4` + "\n" + `njet: configuration file %s test failed` + "\n", 1},
		{"bad number", "events {}\nhttp {\n    keepalive_requests many;\n}\n",
			`njet: [emerg] "keepalive_requests" directive invalid number in %s:3` + "\n" + `njet: configuration file %s test failed` + "\n", 1},
		{"good", "events {}\nhttp {\n    server { listen 127.0.0.1:8080; }\n}\n",
			`njet: the configuration file %s syntax is ok` + "\n" + `njet: configuration file %s test is successful` + "\n", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(dir, "logs"), 0o755))
			file := filepath.Join(dir, "njet.conf")
			require.NoError(t, os.WriteFile(file, []byte(tc.conf), 0o644))
			cmd := exec.Command(bin, "-p", dir, "-c", "njet.conf", "-t")
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.code, code, string(out))
			require.Equal(t, strings.ReplaceAll(tc.want, "%s", file), string(out))
		})
	}
}

// TestVersionNamesOnlyRealModules checks "njet -V" in the form test
// suites read.
func TestVersionNamesOnlyRealModules(t *testing.T) {
	out, err := exec.Command(njetBinary(t), "-V").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(out), "nginx version: nginx/1.31.5\n")
	require.Contains(t, string(out), "configure arguments:")
	require.NotContains(t, string(out), "--without-http_proxy_module")
	require.Contains(t, string(out), "--without-http_fastcgi_module")
}
