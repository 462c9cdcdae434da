//go:build linux && !mips && !mipsle && !mips64 && !mips64le

package listener

import (
	"os"
	"syscall"
)

// soReusePort is SO_REUSEPORT, which package syscall does not define on
// every Linux architecture.
const soReusePort = 0xf

func setReusePort(fd int) error {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}
