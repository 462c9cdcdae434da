package authbasic_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/access"
	"github.com/gonjet/gonjet/gateway/filter/authbasic"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// passed is the status of a request that got through the access phase:
// the test locations have no content handler.
const passed = 404

// htpasswd is the file of nginx-tests auth_basic.t.
const htpasswd = "crypt:sa3tHJ3/KuYvI\n" +
	"crypt1:$1$salt$qJH7.N4xYta3aEG/dfqo/0\n" +
	"crypt2:$1$\n" +
	"apr1:$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.\n" +
	"apr12:$apr1$\n" +
	"plain:{PLAIN}password\n" +
	"ssha:{SSHA}yI6cZwQadOA1e+/f+T+H3eCQQhRzYWx0\n" +
	"ssha2:{SSHA}_____wQadOA1e+/f+T+H3eCQQhRzYWx0\n" +
	"ssha3:{SSHA}Zm9vCg==\n" +
	"sha:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" +
	"sha2:{SHA}_____Mm5Pz8GgiULbPgzG37mj9g=\n" +
	"sha3:{SHA}Zm9vCg==\n" +
	"plain2:{PLAIN}password"

type logRec struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRec) Enabled(gateway.Level) bool { return true }
func (l *logRec) Log(lv gateway.Level, _ uint64, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, "["+lv.String()+"] "+msg)
}

// take returns the lines logged since the last call.
func (l *logRec) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.Join(l.lines, "\n")
	l.lines = nil
	return s
}

// load builds src with the configuration directory dir.
func load(t *testing.T, dir, src string) (*gateway.Gateway, *logRec) {
	t.Helper()
	res, err := conf.LoadString(src, conf.Options{Prefix: dir, ConfPrefix: dir + "/"})
	require.NoError(t, err)
	rec := &logRec{}
	res.Config.ErrorLog = rec
	return gatewaytest.Serve(t, res.Config), rec
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func do(g *gateway.Gateway, target, authorization string) *gatewaytest.Response {
	req := gatewaytest.NewRequest("GET", target)
	if authorization != "" {
		req.Header.Add("Authorization", authorization)
	}
	return gatewaytest.Do(g, req)
}

const authConf = `
http {
    server {
        listen 80;
        location / {
            auth_basic           "closed site";
            auth_basic_user_file htpasswd;

            location /inner {
                auth_basic off;
            }
            location /var {
                auth_basic_user_file $arg_f;
            }
            location /realm {
                auth_basic $arg_realm;
            }
        }
        location /any {
            satisfy any;
            allow 192.0.2.1;
            deny  all;
            auth_basic "any";
            auth_basic_user_file htpasswd;
        }
        location /missing {
            auth_basic "x";
            auth_basic_user_file nonexistent;
        }
    }
}`

func TestAuthBasicAsNginxTests(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(htpasswd), 0o644))
	g, _ := load(t, dir, authConf)
	tests := []struct {
		name, target, user, pass string
		want                     int
	}{
		{"normal crypt", "/", "crypt", "password", passed},
		{"normal wrong", "/", "crypt", "123", 401},
		{"crypt $1$ (md5)", "/", "crypt1", "password", passed},
		{"crypt $1$ wrong", "/", "crypt1", "123", 401},
		{"crypt $1$ broken", "/", "crypt2", "1", 401},
		{"apr1 md5", "/", "apr1", "password", passed},
		{"plain password", "/", "plain", "password", passed},
		{"ssha", "/", "ssha", "password", passed},
		{"sha", "/", "sha", "password", passed},
		{"apr1 md5 wrong", "/", "apr1", "123", 401},
		{"plain wrong", "/", "plain", "123", 401},
		{"ssha wrong", "/", "ssha", "123", 401},
		{"sha wrong", "/", "sha", "123", 401},
		{"apr1 md5 broken", "/", "apr12", "1", 401},
		{"ssha broken 1", "/", "ssha2", "1", 401},
		{"ssha broken 2", "/", "ssha3", "1", 401},
		{"sha broken 1", "/", "sha2", "1", 401},
		{"sha broken 2", "/", "sha3", "1", 401},
		{"no newline", "/", "plain2", "password", passed},
		{"not found", "/", "notfound", "1", 401},
		{"inner off", "/inner/", "", "", passed},
		{"user file variable", "/var/?f=htpasswd", "apr1", "password", passed},
		{"user file variable not found", "/var/?f=nx", "apr1", "password", 403},
		{"user file variable bad value", "/var/", "apr1", "password", 500},
		{"realm variable off", "/realm?realm=off", "", "", passed},
		{"realm variable", "/realm?realm=on", "", "", 401},
		{"missing file", "/missing", "plain", "password", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := ""
			if tt.user != "" {
				auth = basic(tt.user, tt.pass)
			}
			r := do(g, tt.target, auth)
			require.Equal(t, tt.want, r.Status)
			if tt.want == 401 {
				require.True(t, strings.HasPrefix(r.Header.Get("WWW-Authenticate"), `Basic realm="`))
			}
		})
	}
}

func TestAuthBasicChallengeAndLogLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "htpasswd")
	require.NoError(t, os.WriteFile(path, []byte(htpasswd), 0o644))
	g, rec := load(t, dir, authConf)

	r := do(g, "/", "")
	require.Equal(t, 401, r.Status)
	require.Equal(t, []string{`Basic realm="closed site"`}, r.Header.Values("WWW-Authenticate"))
	require.Contains(t, rec.take(), `[info] no user/password was provided for basic authentication, client: 127.0.0.1`)

	do(g, "/", basic("nobody", "x"))
	require.Contains(t, rec.take(), `[error] user "nobody" was not found in "`+path+`"`)

	do(g, "/", basic("plain", "wrong"))
	require.Contains(t, rec.take(), `[error] user "plain": password mismatch`)

	do(g, "/var/?f=nx", basic("plain", "x"))
	require.Contains(t, rec.take(), `[error] open() "`+dir+`/nx" failed (2: No such file or directory)`)

	do(g, "/var/", basic("plain", "x"))
	require.Contains(t, rec.take(), `[crit] pread() "`+dir+`/" failed (21: Is a directory)`)

	r = do(g, "/realm?realm=a%20b", "")
	require.Equal(t, `Basic realm="a%20b"`, r.Header.Get("WWW-Authenticate"))
}

func TestAuthBasicSatisfyAny(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(htpasswd), 0o644))
	g, _ := load(t, dir, authConf)

	allowed := gatewaytest.NewRequest("GET", "/any")
	allowed.Conn.RemoteAddr = "192.0.2.1:1000"
	require.Equal(t, passed, gatewaytest.Do(g, allowed).Status, "allowed address needs no password")

	require.Equal(t, 401, do(g, "/any", "").Status, "401 wins over 403")
	require.Equal(t, passed, do(g, "/any", basic("plain", "password")).Status, "password alone is enough")
}

func TestAuthBasicReadsFileAtEveryRequest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "htpasswd")
	require.NoError(t, os.WriteFile(path, []byte("u:{PLAIN}one\n"), 0o644))
	g, _ := load(t, dir, authConf)
	require.Equal(t, passed, do(g, "/", basic("u", "one")).Status)
	require.NoError(t, os.WriteFile(path, []byte("u:{PLAIN}two\n"), 0o644))
	require.Equal(t, 401, do(g, "/", basic("u", "one")).Status)
	require.Equal(t, passed, do(g, "/", basic("u", "two")).Status)
}

func TestAuthBasicFileSyntaxAsNginx(t *testing.T) {
	long := strings.Repeat("#", 4090) + "\n" // puts the next hash across a read boundary
	tests := []struct {
		name, file, user, pass string
		ok                     bool
	}{
		{"comment lines", "# u:{PLAIN}x\nu:{PLAIN}y\n", "u", "y", true},
		{"commented user is not found", "#u:{PLAIN}x\n", "u", "x", false},
		{"blank lines", "\n\n\nu:{PLAIN}y\n", "u", "y", true},
		{"crlf", "a:{PLAIN}b\r\nu:{PLAIN}y\r\n", "u", "y", true},
		{"line starting with cr skipped", "\ru:{PLAIN}y\n", "u", "y", false},
		{"fields after the hash", "u:{PLAIN}y:comment:more\n", "u", "y", true},
		{"first entry wins", "u:{PLAIN}y\nu:{PLAIN}z\n", "u", "z", false},
		{"user is a prefix of another", "us:{PLAIN}x\nu:{PLAIN}y\n", "u", "y", true},
		{"longer name does not match", "user:{PLAIN}y\n", "u", "y", false},
		{"prefix line hides the next one", "us\nuser:{PLAIN}y\n", "user", "y", false},
		{"empty hash", "u:\n", "u", "", false},
		{"hash across read boundary", long + "u:{PLAIN}" + strings.Repeat("p", 100) + "\n", "u", strings.Repeat("p", 100), true},
		{"user across read boundary", strings.Repeat("#", 4094) + "\nuser:{PLAIN}y", "user", "y", true},
		{"no newline at end", "u:{PLAIN}y", "u", "y", true},
		{"colon in password", "u:{PLAIN}a:b\n", "u", "a:b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(tt.file), 0o644))
			g, _ := load(t, dir, authConf)
			want := 401
			if tt.ok {
				want = passed
			}
			require.Equal(t, want, do(g, "/", basic(tt.user, tt.pass)).Status)
		})
	}
}

func TestParseBasicAsNginx(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		header, user, pass string
		ok                 bool
	}{
		{"Basic " + enc("u:p"), "u", "p", true},
		{"basic " + enc("u:p"), "u", "p", true},
		{"BASIC    " + enc("u:p:q"), "u", "p:q", true},
		{"Basic " + strings.TrimRight(enc("u:pw"), "="), "u", "pw", true},
		{"Basic " + enc("u:"), "u", "", true},
		{"Basic " + enc(":p"), "", "", false},
		{"Basic " + enc("up"), "", "", false},
		{"Basic !!!!", "", "", false},
		{"Basic ", "", "", false},
		{"Basic", "", "", false},
		{"Bearer " + enc("u:p"), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			u, p, ok := authbasic.ParseBasic(tt.header)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.user, u)
			require.Equal(t, tt.pass, p)
		})
	}
}

func TestAuthBasicDirectiveErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`http { auth_basic a; auth_basic b; }`, `"auth_basic" directive is duplicate`},
		{`http { auth_basic_user_file a; auth_basic_user_file b; }`, `"auth_basic_user_file" directive is duplicate`},
		{`auth_basic x; http { }`, `"auth_basic" directive is not allowed here`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := conf.LoadString(tt.src, conf.Options{Prefix: t.TempDir()})
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestFilterAsGoValue(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "users"), []byte("u:{PLAIN}p\n"), 0o644))
	f := &authbasic.Filter{Realm: gateway.StaticTemplate("go"), UserFile: gateway.StaticTemplate("users"), Dir: dir}
	g := gatewaytest.Chain(t, gateway.PhaseAccess, f)
	req := gatewaytest.NewRequest("GET", "/")
	req.Header.Add("Authorization", basic("u", "p"))
	r := gatewaytest.Do(g, req)
	require.Equal(t, 200, r.Status)
	require.Equal(t, "ok", string(r.Body))
}
