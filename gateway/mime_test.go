package gateway

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultMimeTableIsNginxMimeTypes(t *testing.T) {
	require.Len(t, defaultMimeTable, 110)
	for ext, want := range map[string]string{
		"html": "text/html", "shtml": "text/html", "js": "application/javascript", "avif": "image/avif",
		"wasm": "application/wasm", "pem": "application/x-x509-ca-cert", "woff2": "font/woff2",
		"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"msm":  "application/octet-stream", "3gp": "video/3gpp", "avi": "video/x-msvideo",
	} {
		require.Equal(t, want, defaultMimeTable[ext], ext)
	}
}
