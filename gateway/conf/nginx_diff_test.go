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
	"events {}\nhttp { server { location ~ ab** {} } }",
	"events {}\nhttp { server { location ~ x{2,1} {} } }",
	"events {}\nhttp { server { location ~ a{99999} {} } }",
	"events {}\nhttp { server { location ~ [z-a] {} } }",
	"events {}\nhttp {\n bogus;\n server {\n listen 80 }",
	"events {}\nhttp {\n server {\n listen 80;\n }\n",
	"events {}\nhttp { server { location /a {}\nlocation ^~ /a {} } }",
	"events {}\nhttp { server { location = /a {}\nlocation =/a {} } }",
	"events {}\nhttp { server { limit_except GET {} } }",
	"events {}\nhttp { server { listen [::]:80 ipv6only=of; } }",
	"events {}\nhttp { server { listen 80 so_keepalive=x; } }",
	"events {}\nhttp { server { listen 80 rcvbuf=x; } }",
	"events {}\nhttp { server { listen unix:; } }",
	"events {}\nhttp { server { listen [zz]:80; } }",
	"events {}\nhttp { server { listen 80/x; } }",
	"events {}\nhttp { server { listen 127.0.0.1:80; listen 127.0.0.1; } }",
	"events {}\nhttp { server { server_name .; } }",
	"events {}\nhttp { keepalive_disable opera; }",
	"events {}\nhttp { max_ranges -1; }",
	"events {}\nhttp { request_pool_size 4100; }",
	"events {}\nhttp { large_client_header_buffers 0 8k; }",
	"events {}\nhttp { open_file_cache max=0; }",
	"events {}\nhttp { disable_symlinks from=/x; }",
	"events {}\nhttp { disable_symlinks off from=/x; }",
	"events {}\nhttp { resolver valid=x 127.0.0.1; }",
	"events {}\nhttp { resolver 127.0.0.1:0; }",
	"events {}\nhttp { satisfy some; }",
	"events {}\nhttp { error_page 4xx /x; }",
	"events {}\nhttp { client_body_temp_path /x 5 6; }",
	"events {}\nhttp { server { location / { internal; internal; } } }",
	"events {}\nhttp { server { location \"/a\" { } location '/a' { } } }",
	"events { use kqueue2; }",
	"events {}\nthread_pool p max_queue=1;",
	"events {}\nthread_pool p threads=x;",
	"events {}\ntimer_resolution 1y;",
	"events {}\nhttp {}\nhttp {}",
	"events {}\nhttp { server { server_name ~(x; } }",
}

// nginxAcceptCases are configurations of core directives nginx accepts.
var nginxAcceptCases = []string{
	"events {}\nhttp { server { listen 127.0.0.1:8080 default_server backlog=10 rcvbuf=8k; listen [::1]:8080 ipv6only=on; listen unix:/tmp/gonjet-test.sock; server_name a \"\" *.b c.* ~^d$; } }",
	"events { worker_connections 64; multi_accept on; }\nworker_processes auto;\nhttp {\n" +
		"types { text/html html; image/png png; }\ndefault_type text/plain;\n" +
		"keepalive_timeout 10 5; keepalive_disable msie6 safari; client_max_body_size 10m;\n" +
		"error_page 404 =200 /x; error_page 500 502 = @e;\n" +
		"server { location / { location /a/ {} location ~* \\.(png|jpg)$ {} } location = /b { internal; } location @e {}" +
		" location /c { limit_except GET POST {} } location ^~ /d/ { types { text/css css; } } } }",
	"events {}\nhttp { server { location / { client_max_body_size 0; send_timeout 1h30m; lingering_close always; server_tokens build; if_modified_since before; " +
		"open_file_cache max=10 inactive=1m; open_file_cache_valid 1M; disable_symlinks if_not_owner from=/var; aio threads; directio 4m; " +
		"output_buffers 2 32k; postpone_output 0; resolver 127.0.0.1 [::1]:5353 valid=30s ipv6=off; resolver_timeout 5s; } } }",
}

func TestConfigsNginxAcceptsAreAccepted(t *testing.T) {
	bin := nginxBinary(t)
	for _, src := range nginxAcceptCases {
		_, file, out := runNginxT(t, bin, src)
		require.NotContains(t, out, "[emerg]", src)
		_, err := LoadFile(file, Options{Prefix: filepath.Dir(file) + "/"})
		require.NoError(t, err, src)
	}
}

// nginxBinary finds the reference nginx or skips.
func nginxBinary(t *testing.T) string {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") != "" {
			t.Fatal("nginx is required (Debian package nginx-light)")
		}
		t.Skip("nginx not installed (Debian package nginx-light)")
	}
	return bin
}

// runNginxT writes src to a new directory and runs "nginx -t" on it.
func runNginxT(t *testing.T, bin, src string) (dir, file, out string) {
	dir = t.TempDir()
	file = filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	cmd := exec.Command(bin, "-t", "-q", "-e", "stderr", "-p", dir+"/", "-c", file, "-g", "pid "+dir+"/nginx.pid;")
	b, _ := cmd.CombinedOutput()
	return dir, file, string(b)
}

func TestErrorsMatchNginx(t *testing.T) {
	bin := nginxBinary(t)
	for _, src := range nginxErrorCases {
		dir, file, out := runNginxT(t, bin, src)
		want := ""
		for _, line := range strings.Split(out, "\n") {
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
