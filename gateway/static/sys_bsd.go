//go:build darwin || freebsd || netbsd

package static

import "syscall"

// openPath is open(2) on a NUL-terminated path.
func openPath(pathz []byte, flags int) (int, error) {
	return syscall.Open(string(pathz[:len(pathz)-1]), flags, 0)
}

func mtimeOf(st *syscall.Stat_t) int64 { return int64(st.Mtimespec.Sec) }
