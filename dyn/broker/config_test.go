package broker

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadConfigWithoutFileUsesOpenNJetDefaults(t *testing.T) {
	cfg, err := LoadConfig("", "/usr/local/njet")
	require.NoError(t, err)
	require.Equal(t, []Listener{{Address: "/usr/local/njet/data/mosquitto.sock"}}, cfg.Listeners)
	require.Equal(t, []string{"error"}, cfg.LogTypes)
	require.True(t, cfg.AllowAnonymous)
	require.True(t, cfg.Persistence)
	require.Equal(t, "/usr/local/njet/data", cfg.PersistenceLocation)
	require.Equal(t, "broker.db", cfg.PersistenceFile)
	require.Empty(t, cfg.LogDest)
}

func TestLoadConfigReadsMosquittoSyntax(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, cfg Config)
	}{
		{"recommended one-liner keeps the default socket", "log_type error\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []Listener{{Address: "/p/data/mosquitto.sock"}}, cfg.Listeners)
			require.Equal(t, []string{"error"}, cfg.LogTypes)
		}},
		{"each log_type line enables one type", "log_type warning\nlog_type notice\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []string{"warning", "notice"}, cfg.LogTypes)
		}},
		{"port 0 listener is a unix socket relative to the prefix", "listener 0 data/x.sock\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []Listener{{Address: "/p/data/x.sock"}}, cfg.Listeners)
			require.Equal(t, "unix", cfg.Listeners[0].Network())
		}},
		{"tcp listener with bind address and per-listener options", "listener 1883 127.0.0.1\nsocket_domain ipv4\ncertfile c.pem\nkeyfile k.pem\n# comment\nlistener 8883\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []Listener{
				{Port: 1883, Address: "127.0.0.1", SocketDomain: "ipv4", CertFile: "/p/c.pem", KeyFile: "/p/k.pem"},
				{Port: 8883},
			}, cfg.Listeners)
			require.Equal(t, "tcp4", cfg.Listeners[0].Network())
			require.Equal(t, "127.0.0.1:1883", cfg.Listeners[0].Addr())
			require.Equal(t, ":8883", cfg.Listeners[1].Addr())
		}},
		{"deprecated port and bind_address make one listener", "port 1884\nbind_address ::1\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []Listener{{Port: 1884, Address: "::1"}}, cfg.Listeners)
			require.Equal(t, "[::1]:1884", cfg.Listeners[0].Addr())
		}},
		{"persistence and access settings", "persistence false\npersistence_location /var/lib/m/\npersistence_file m.db\nallow_anonymous false\npassword_file conf/pw\n", func(t *testing.T, cfg Config) {
			require.False(t, cfg.Persistence)
			require.Equal(t, "/var/lib/m/", cfg.PersistenceLocation)
			require.Equal(t, "m.db", cfg.PersistenceFile)
			require.False(t, cfg.AllowAnonymous)
			require.Equal(t, "/p/conf/pw", cfg.PasswordFile)
		}},
		{"log destinations", "log_dest stdout\nlog_dest file logs/m.log\n", func(t *testing.T, cfg Config) {
			require.Equal(t, []LogDest{{Type: "stdout"}, {Type: "file", Path: "/p/logs/m.log"}}, cfg.LogDest)
		}},
		{"tuning options apply or are recorded as ignored", "autosave_interval 1\nautosave_on_changes true\nmax_qos 1\nmax_packet_size 1000\n", func(t *testing.T, cfg Config) {
			require.Equal(t, byte(1), cfg.MaxQoS)
			require.Equal(t, uint32(1000), cfg.MaxPacketSize)
			require.Len(t, cfg.Ignored, 2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "mqtt.conf")
			require.NoError(t, os.WriteFile(p, []byte(tt.text), 0o644))
			cfg, err := LoadConfig(p, "/p")
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestLoadConfigErrorsReadAsMosquittoOnes(t *testing.T) {
	tests := []struct {
		text, msg string
	}{
		{"log_type error\nfoo bar\n", `Error: Unknown configuration variable "foo". Error found at %s:2.`},
		{"listener 0\n", `Error: A listener with port 0 must provide a Unix socket path. Error found at %s:1.`},
		{"persistence maybe\n", `Error: Invalid persistence value (maybe). Error found at %s:1.`},
		{"log_type bogus\n", `Error: Invalid log_type value (bogus). Error found at %s:1.`},
		{"log_dest file\n", `Error: Empty "log_dest file" value in configuration. Error found at %s:1.`},
		{"acl_file /etc/acl\n", `Error: Unsupported configuration variable "acl_file". Error found at %s:1.`},
		{"listener 1883\nprotocol websockets\n", `Error: Websockets support is not available. Error found at %s:2.`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "mqtt.conf")
			require.NoError(t, os.WriteFile(p, []byte(tt.text), 0o644))
			_, err := LoadConfig(p, dir)
			require.EqualError(t, err, fmt.Sprintf(tt.msg, p))
		})
	}
}

func TestLoadConfigMissingFileFails(t *testing.T) {
	_, err := LoadConfig("conf/none.conf", t.TempDir())
	require.ErrorContains(t, err, "Unable to open config file")
}

func TestLoadConfigIncludeDirReadsConfFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "conf.d")
	require.NoError(t, os.MkdirAll(inc, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(inc, "b.conf"), []byte("log_type notice\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(inc, "a.conf"), []byte("log_type warning\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(inc, "c.txt"), []byte("junk\n"), 0o644))
	p := filepath.Join(dir, "mqtt.conf")
	require.NoError(t, os.WriteFile(p, []byte("include_dir conf.d\n"), 0o644))
	cfg, err := LoadConfig(p, dir)
	require.NoError(t, err)
	require.Equal(t, []string{"warning", "notice"}, cfg.LogTypes)
}
