package proxy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		url                                    string
		written, hostHeader, port, uri, errMsg string
	}{
		{url: "http://127.0.0.1:8081", written: "127.0.0.1:8081", hostHeader: "127.0.0.1:8081", port: "8081"},
		{url: "http://127.0.0.1:80/", written: "127.0.0.1:80", hostHeader: "127.0.0.1", port: "80", uri: "/"},
		{url: "HTTP://Backend/a?b", written: "Backend", hostHeader: "Backend", port: "80", uri: "/a?b"},
		{url: "http://u?x=1", written: "u", hostHeader: "u", port: "80", uri: "/?x=1"},
		{url: "http://[::1]:8080/x", written: "[::1]:8080", hostHeader: "[::1]:8080", port: "8080", uri: "/x"},
		{url: "http://unix:/tmp/s.sock:/uri", written: "unix:/tmp/s.sock", hostHeader: "localhost", uri: "/uri"},
		{url: "http://unix:/tmp/s.sock", written: "unix:/tmp/s.sock", hostHeader: "localhost"},
		{url: "ftp://x", errMsg: "invalid URL prefix"},
		{url: "http://h:99999", errMsg: "invalid port"},
		{url: "http://:80", errMsg: "no host"},
		{url: "http://unix:", errMsg: "no path in the unix domain socket"},
	}
	for _, tt := range tests {
		tg, err := parseTarget(tt.url)
		if tt.errMsg != "" {
			require.EqualError(t, err, tt.errMsg, tt.url)
			continue
		}
		require.NoError(t, err, tt.url)
		require.Equal(t, tt.written, tg.written, tt.url)
		require.Equal(t, tt.hostHeader, tg.hostHeader, tt.url)
		require.Equal(t, tt.port, tg.port, tt.url)
		require.Equal(t, tt.uri, tg.uri, tt.url)
	}
}
