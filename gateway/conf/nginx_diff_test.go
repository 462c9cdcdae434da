package conf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nginxErrorCases are configurations nginx rejects while reading them;
// the same text must fail here with the same message, file and line.
var nginxErrorCases = []string{
	"events {}\nhttp {\n    keepalive_requests many;\n}\n",
	"events {}\nhttp {\n    bogus on;\n}\n",
	"events {}\nlisten 80;\n",
	"events {}\nhttp {\n    server {\n        listen 80\n    }\n}\n",
	"events {}\nhttp {\n}\n}\n",
	"events {}\nhttp {\n",
	"events {}\nhttp { server { listen 80 }",
	"events {}\nhttp { sendfile maybe; }",
	"events {}\nhttp { sendfile on on; }",
	"events {}\nhttp { sendfile on; sendfile off; }",
	"events {}\nhttp { types; }",
	"events {}\nhttp { server_tokens x; }",
	"events {}\nhttp { keepalive_timeout 1x; }",
	"events {}\nhttp { client_max_body_size 1q; }",
	"events {}\nhttp { client_body_buffer_size 1g; }",
	"events {}\nhttp { error_page 200 /x; }",
	"events {}\nhttp { error_page 499 /x; }",
	"events {}\nhttp { error_page =404 /x; }",
	"events {}\nhttp { error_page 404 =x /x; }",
	"events {}\nhttp { server { location = /a { location /a/b {} } } }",
	"events {}\nhttp { server { location @a { location /a {} } } }",
	"events {}\nhttp { server { location /a { location @b {} } } }",
	"events {}\nhttp { server { location /a { location /b {} } } }",
	"events {}\nhttp { server { location /a {}\nlocation /a {} } }",
	"events {}\nhttp { server { location ?? /a {} } }",
	"events {}\nhttp { server { location / { limit_except FETCH {} } } }",
	"events {}\nhttp { server { location / { limit_except GET {} limit_except POST {} } } }",
	"events {}\nhttp { server { listen 0; } }",
	"events {}\nhttp { server { listen 127.0.0.1:70000; } }",
	"events {}\nhttp { server { listen [::1; } }",
	"events {}\nhttp { server { listen :80; } }",
	"events {}\nhttp { server { listen 80 fast; } }",
	"events {}\nhttp { server { listen 80 backlog=0; } }",
	"events {}\nhttp { server { listen 80; listen 80; } }",
	"events {}\nhttp { server { listen 80 default_server; }\nserver { listen 80 default; } }",
	"events {}\nhttp { server { listen 80 backlog=10; }\nserver { listen 80 reuseport; } }",
	"events {}\nhttp { server { server_name *x; } }",
	"events {}\nhttp { server { server_name ~; } }",
	"events {}\nhttp { server { internal; } }",
	"events {}\nhttp { open_file_cache inactive=1m; }",
	"events {}\nhttp { connection_pool_size 100; }",
	"events {}\nhttp { resolver valid=1s; }",
	"events {}\nhttp { types { text/html html { } } }",
	"events {}\nhttp { a \"b\"c; }",
	"events {}\nhttp { ; }",
	"events { worker_connections x; }",
	"events {}\nevents {}\n",
	"events {}\nworker_processes x;",
	"daemon yes;\nevents {}",
	"daemon off {}\nevents {}",
	"events;\n",
	"events {}\ninclude nosuch.conf;\n",
	"events {}\ninclude a b;\n",
	"events {}\nhttp { server { location / { limit_except GET { location /x {} } } } }",
	"events {}\nhttp { error_page 404 /$nosuch; }",
	"events {}\nhttp { server { listen 80; server_name a; } server { listen 80; server_name a; } }\nbogus;",
	"events {}\nhttp { server { location ~ ( {} } }",
	"events {}\nhttp { server { location ~ a) {} } }",
	"events {}\nhttp { server { location ~ [a {} } }",
	"events {}\nhttp { server { location ~ * {} } }",
	"events {}\nhttp { server { server_name ~(x; } }",
}

func TestErrorsMatchNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") != "" {
			t.Fatal("nginx is required (Debian package nginx-light)")
		}
		t.Skip("nginx not installed (Debian package nginx-light)")
	}
	for _, src := range nginxErrorCases {
		dir := t.TempDir()
		file := filepath.Join(dir, "nginx.conf")
		require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
		cmd := exec.Command(bin, "-t", "-q", "-e", "stderr", "-p", dir+"/", "-c", file, "-g", "pid "+dir+"/nginx.pid;")
		out, _ := cmd.CombinedOutput()
		want := ""
		for _, line := range strings.Split(string(out), "\n") {
			if i := strings.Index(line, "[emerg] "); i >= 0 {
				want = line[i+len("[emerg] "):]
				if j := strings.Index(want, ": "); j >= 0 && strings.Contains(want[:j], "#") {
					want = want[j+2:]
				}
				break
			}
		}
		require.NotEmpty(t, want, "nginx accepted %q: %s", src, out)
		_, err := LoadFile(file, Options{Prefix: dir + "/"})
		require.Error(t, err, src)
		require.Equal(t, want, err.Error(), src)
	}
}
