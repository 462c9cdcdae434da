package static

import (
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// fileInfo is what the static handler needs from fstat.
type fileInfo struct {
	size, mtime int64
	kind        fileKind
}

type fileKind uint8

const (
	kindOther fileKind = iota // FIFO, socket, device
	kindRegular
	kindDir
)

// pathBufLen is the size of the stack buffer the file path is built in;
// longer paths are built on the heap.
const pathBufLen = 512

// appendPathz appends root, rest and a NUL to dst: the path in the form
// open(2) takes. A path holding a NUL byte could not be opened as
// written, so it is refused with EINVAL, as syscall.Open does.
func appendPathz(dst []byte, root, rest string) ([]byte, error) {
	if strings.IndexByte(root, 0) >= 0 || strings.IndexByte(rest, 0) >= 0 {
		return nil, syscall.EINVAL
	}
	dst = append(dst, root...)
	dst = append(dst, rest...)
	return append(dst, 0), nil
}

// fileStamp holds the header values a file's modification time and size
// give its answer. They are the same for every request until the file
// changes, so they are kept instead of formatted per request.
type fileStamp struct {
	mtime, size  int64
	etag         string // `"mtime-size"`, both in hex
	lastModified string
	length       string // size in decimal
}

// stamps is a direct-mapped cache of fileStamps: a slot holds the last
// stamp made for any (mtime, size) that hashes to it. Readers load a
// pointer and writers replace it, so the hot path takes no lock; a
// collision only costs a new stamp.
var stamps [1024]atomic.Pointer[fileStamp]

func stampOf(mtime, size int64) *fileStamp {
	h := uint64(mtime)*0x9e3779b97f4a7c15 ^ uint64(size)*0xc2b2ae3d27d4eb4f
	slot := &stamps[h>>54]
	if s := slot.Load(); s != nil && s.mtime == mtime && s.size == size {
		return s
	}
	s := newStamp(mtime, size)
	slot.Store(s)
	return s
}

// newStamp formats the three values into one string and slices it.
func newStamp(mtime, size int64) *fileStamp {
	var buf [96]byte
	b := append(buf[:0], '"')
	b = strconv.AppendInt(b, mtime, 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, size, 16)
	b = append(b, '"')
	e := len(b)
	b = gateway.AppendHTTPTime(b, mtime)
	l := len(b)
	b = strconv.AppendInt(b, size, 10)
	all := string(b)
	return &fileStamp{mtime: mtime, size: size, etag: all[:e], lastModified: all[e:l], length: all[l:]}
}
