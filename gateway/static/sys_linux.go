package static

import (
	"syscall"
	"unsafe"
)

// atFDCWD is Linux's AT_FDCWD: paths relative to the working directory.
const atFDCWD = -0x64

// openPath is open(2) on a NUL-terminated path. syscall.Open would copy
// the path into a new NUL-terminated byte slice on every call; the
// static handler already builds it that way on its stack.
func openPath(pathz []byte, flags int) (int, error) {
	dirfd := atFDCWD
	fd, _, e := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&pathz[0])),
		uintptr(flags|syscall.O_LARGEFILE), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func mtimeOf(st *syscall.Stat_t) int64 { return int64(st.Mtim.Sec) }
