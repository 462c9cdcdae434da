//go:build unix

package static_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestStaticFIFOIsNotServedAndDoesNotBlock(t *testing.T) {
	root := tree(t, map[string]string{"dir/": ""})
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644))
	g := load(t, root, "root %ROOT%;")
	l := recordLog(g)
	r := gatewaytest.Get(t, g, "/pipe")
	require.Equal(t, 404, r.Status)
	require.Contains(t, l.text(), fmt.Sprintf(`[crit] "%s/pipe" is not a regular file`, root))
}

func TestStaticUnreadableFileIsForbidden(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	root := tree(t, map[string]string{"secret": "x"})
	require.NoError(t, os.Chmod(filepath.Join(root, "secret"), 0))
	g := load(t, root, "root %ROOT%;")
	l := recordLog(g)
	r := gatewaytest.Get(t, g, "/secret")
	require.Equal(t, 403, r.Status)
	require.Contains(t, l.text(), fmt.Sprintf(`[error] open() "%s/secret" failed (13: Permission denied)`, root))
}
