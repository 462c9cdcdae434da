//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package listener

import (
	"os"
	"syscall"
)

func setReusePort(fd int) error {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEPORT, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}
