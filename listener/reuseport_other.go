//go:build unix && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly && !(linux && !mips && !mipsle && !mips64 && !mips64le)

package listener

import (
	"os"
	"syscall"
)

func setReusePort(int) error {
	return os.NewSyscallError("setsockopt", syscall.ENOPROTOOPT)
}
