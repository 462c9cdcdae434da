//go:build unix

package static

import (
	"io"
	"os"
	"syscall"
)

// rawFile is a file of the document tree held by its descriptor alone.
// nginx serves a static file with open, fstat, pread, write and close;
// an *os.File would add to every request a registration with the network
// poller (a failing epoll_ctl for a regular file), a finalizer and the
// allocations of the File and of its FileInfo.
type rawFile struct {
	fd int
	// f owns fd once the descriptor was handed to an *os.File for an
	// engine that copies files itself (sendfile).
	f *os.File
}

// O_NONBLOCK keeps a FIFO in the document tree from blocking the open.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// open opens the file named by pathz, a NUL-terminated path.
func (r *rawFile) open(pathz []byte) error {
	for {
		fd, err := openPath(pathz, openFlags)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		r.fd, r.f = fd, nil
		return nil
	}
}

func (r *rawFile) stat() (fileInfo, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(r.fd, &st); err != nil {
		return fileInfo{}, err
	}
	fi := fileInfo{size: int64(st.Size), mtime: mtimeOf(&st)}
	switch uint32(st.Mode) & syscall.S_IFMT {
	case syscall.S_IFREG:
		fi.kind = kindRegular
	case syscall.S_IFDIR:
		fi.kind = kindDir
	}
	return fi, nil
}

// ReadAt reads len(p) bytes from off with pread, as io.ReaderAt does: a
// short count comes with io.EOF or the error that stopped it.
func (r *rawFile) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(r.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// osFile returns the descriptor as an *os.File, which then owns it.
func (r *rawFile) osFile() *os.File {
	if r.f == nil {
		r.f = os.NewFile(uintptr(r.fd), "")
	}
	return r.f
}

func (r *rawFile) close() {
	if r.f != nil {
		r.f.Close()
		return
	}
	syscall.Close(r.fd)
}
