package telemetry

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sharedFile is one open log file. Every configuration snapshot and every
// log naming the same path share it, so a reload keeps the descriptor and
// Reopen (SIGUSR1) has one place to act.
type sharedFile struct {
	path string
	// mu is held for reading by writers and for writing by reopen, so a
	// line never goes to a descriptor being closed.
	mu     sync.RWMutex
	f      *os.File
	stderr bool
	refs   int // guarded by files.mu

	// Lines of unbuffered access logs wait in pending for a writer
	// goroutine, which lets the requests that are ready to finish add
	// theirs first and writes them all with one write(): under load a
	// line costs a fraction of a system call instead of one, and when
	// the gateway is idle a line is written as soon as its request
	// ends. queue guards pending, spare, writing and lastErr; flushMu
	// is held from taking lines until they are written, which keeps
	// them in order.
	queue   sync.Mutex
	pending []byte
	spare   []byte
	writing bool
	lastErr error
	flushMu sync.Mutex
}

// maxPending bounds the lines waiting for the writer goroutine: a
// request that finds more waiting writes them itself.
const maxPending = 256 << 10

var files struct {
	mu     sync.Mutex
	byPath map[string]*sharedFile
}

// stderrPath is the registry key of the process's standard error, a
// name no file can have.
const stderrPath = ""

// acquireFile opens path for appending, or returns the file already open
// under that path, and counts the new user.
func acquireFile(path string) (*sharedFile, error) {
	files.mu.Lock()
	defer files.mu.Unlock()
	if s, ok := files.byPath[path]; ok {
		s.refs++
		return s, nil
	}
	s := &sharedFile{path: path, refs: 1}
	if path == stderrPath {
		s.f, s.stderr = os.Stderr, true
	} else {
		f, err := openLogFile(path)
		if err != nil {
			return nil, err
		}
		s.f = f
	}
	if files.byPath == nil {
		files.byPath = map[string]*sharedFile{}
	}
	files.byPath[path] = s
	return s, nil
}

// release drops one user; the last one closes the file.
func (s *sharedFile) release() {
	files.mu.Lock()
	s.refs--
	last := s.refs == 0
	if last && files.byPath[s.path] == s {
		delete(files.byPath, s.path)
	}
	files.mu.Unlock()
	if last {
		s.flush()
	}
	if last && !s.stderr {
		s.mu.Lock()
		s.f.Close()
		s.mu.Unlock()
	}
}

func (s *sharedFile) Write(p []byte) (int, error) {
	s.mu.RLock()
	n, err := s.f.Write(p)
	s.mu.RUnlock()
	return n, err
}

// writeLine queues a line for the writer goroutine, starting one when
// none is on its way. It returns the error of an earlier write that no
// caller has seen yet, so that write failures are still reported.
func (s *sharedFile) writeLine(p []byte) error {
	s.queue.Lock()
	if len(s.pending)+len(p) > maxPending {
		s.queue.Unlock()
		s.flush()
		s.queue.Lock()
	}
	s.pending = append(s.pending, p...)
	err := s.lastErr
	s.lastErr = nil
	start := !s.writing
	s.writing = true
	s.queue.Unlock()
	if start {
		go s.writeQueued()
	}
	return err
}

// writeQueued is the writer goroutine. It yields once before writing,
// so that every request already able to run ends and queues its line;
// then it writes until nothing is left.
func (s *sharedFile) writeQueued() {
	for {
		runtime.Gosched()
		for s.flush() {
		}
		s.queue.Lock()
		// lines queued after the last flush found nothing keep it going
		if len(s.pending) == 0 {
			s.writing = false
			s.queue.Unlock()
			return
		}
		s.queue.Unlock()
	}
}

// flush writes the queued lines now; false when there were none.
func (s *sharedFile) flush() bool {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.queue.Lock()
	data := s.pending
	if len(data) == 0 {
		s.queue.Unlock()
		return false
	}
	s.pending, s.spare = s.spare[:0], nil
	s.queue.Unlock()
	_, err := s.Write(data)
	s.queue.Lock()
	if err != nil {
		s.lastErr = err
	}
	if cap(data) <= maxPending*2 {
		s.spare = data[:0]
	}
	s.queue.Unlock()
	return true
}

// reopen opens the path again and swaps the descriptor, for log rotation:
// lines written after it go to the new file.
func (s *sharedFile) reopen() error {
	if s.stderr {
		return nil
	}
	f, err := openLogFile(s.path)
	if err != nil {
		return err
	}
	// lines queued before the signal belong to the old file
	s.flush()
	s.mu.Lock()
	old := s.f
	s.f = f
	s.mu.Unlock()
	return old.Close()
}

func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open() \"%s\" failed (%s)", path, errnoText(err))
	}
	return f, nil
}

// Sync writes the lines that unbuffered logs have queued for their
// writer goroutines, for a reader that must see every line so far. Lines
// held by a "buffer=" are not written: as in nginx, they wait until the
// buffer fills, its flush time passes, or the log is closed.
func Sync() {
	for _, s := range openFiles() {
		s.flush()
	}
}

// openFiles lists the files open now.
func openFiles() []*sharedFile {
	files.mu.Lock()
	defer files.mu.Unlock()
	list := make([]*sharedFile, 0, len(files.byPath))
	for _, s := range files.byPath {
		list = append(list, s)
	}
	return list
}

// Reopen reopens every log file the process has open, as nginx does on
// SIGUSR1 ("nginx -s reopen") after the files were moved away for
// rotation. Buffered lines are written to the new files. It returns the
// first error; the files it could not reopen keep their old descriptor.
func Reopen() error {
	list := openFiles()
	flushAll()
	var first error
	for _, s := range list {
		if err := s.reopen(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// errnoText formats an error as nginx appends errno to a message:
// "2: No such file or directory".
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return strconv.Itoa(int(errno)) + ": " + s
	}
	return err.Error()
}

// Buffering says how a log file collects lines before writing them.
type Buffering struct {
	// Size is the buffer size in bytes; 0 writes every line at once.
	Size int
	// Flush, when not 0, writes a buffer that has held lines this long.
	Flush time.Duration
	// Gzip, 1 to 9, compresses each buffer written as one gzip member at
	// that level; 0 writes plain text.
	Gzip int
}

// File is a log destination of one configuration snapshot: a file shared
// by path across snapshots, and the snapshot's write buffer for it. Every
// access log naming the path in the snapshot writes through the same
// File, as nginx shares one buffer per file.
type File struct {
	path   string
	shared *sharedFile
	buf    Buffering

	mu      sync.Mutex
	data    []byte
	timer   *time.Timer
	closed  bool
	errTime time.Time // last write error reported, to report once a minute
}

// OpenFile opens (or shares) the log file at path with the given
// buffering. Close the File when the snapshot using it is retired; the
// descriptor closes when its last user does.
func OpenFile(path string, buf Buffering) (*File, error) {
	f := &File{path: path, buf: buf}
	if err := f.open(); err != nil {
		return nil, err
	}
	return f, nil
}

// open acquires the descriptor. The configuration builder makes Files
// while it reads directives and opens them all at the end, so that a
// configuration that fails holds no file.
func (f *File) open() error {
	s, err := acquireFile(f.path)
	if err != nil {
		return err
	}
	f.shared = s
	if f.buf.Size > 0 {
		f.data = make([]byte, 0, f.buf.Size)
		buffered.add(f)
	}
	return nil
}

// Path is the file name.
func (f *File) Path() string { return f.path }

// Buffering returns the file's buffering.
func (f *File) Buffering() Buffering { return f.buf }

// Write logs one line (with its newline). A buffered File keeps it until
// the buffer is full, the flush time passes, or the File is closed.
func (f *File) Write(line []byte) error {
	if f.buf.Size == 0 {
		return f.write(line)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return f.write(line)
	}
	if len(line) > cap(f.data)-len(f.data) {
		if err := f.flushLocked(); err != nil {
			return err
		}
	}
	if len(line) > cap(f.data)-len(f.data) {
		// longer than the whole buffer
		return f.write(line)
	}
	if len(f.data) == 0 && f.buf.Flush > 0 {
		if f.timer == nil {
			f.timer = time.AfterFunc(f.buf.Flush, func() { f.Flush() })
		} else {
			f.timer.Reset(f.buf.Flush)
		}
	}
	f.data = append(f.data, line...)
	return nil
}

// Flush writes what the buffer holds.
func (f *File) Flush() error {
	if f.buf.Size == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushLocked()
}

func (f *File) flushLocked() error {
	if f.timer != nil {
		f.timer.Stop()
	}
	if len(f.data) == 0 {
		return nil
	}
	err := f.write(f.data)
	f.data = f.data[:0]
	return err
}

// write sends bytes to the file, compressed when asked. Unbuffered lines
// are queued for the file's writer goroutine (see sharedFile.writeLine).
func (f *File) write(p []byte) error {
	if f.buf.Size == 0 {
		if err := f.shared.writeLine(p); err != nil {
			return fmt.Errorf("write() to \"%s\" failed (%s)", f.path, errnoText(err))
		}
		return nil
	}
	if f.buf.Gzip > 0 {
		var b bytes.Buffer
		zw, err := gzip.NewWriterLevel(&b, f.buf.Gzip)
		if err != nil {
			return err
		}
		zw.Write(p)
		zw.Close()
		p = b.Bytes()
	}
	n, err := f.shared.Write(p)
	if err != nil {
		return fmt.Errorf("write() to \"%s\" failed (%s)", f.path, errnoText(err))
	}
	if n != len(p) {
		return fmt.Errorf("write() to \"%s\" was incomplete: %d of %d", f.path, n, len(p))
	}
	return nil
}

// shouldReport limits write-error reports to one a minute per file, as
// nginx does.
func (f *File) shouldReport(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.errTime) < 60*time.Second {
		return false
	}
	f.errTime = now
	return true
}

// Close flushes the buffer and lets go of the file.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closed || f.shared == nil {
		f.closed = true
		f.mu.Unlock()
		return nil
	}
	err := f.flushLocked()
	f.closed = true
	f.mu.Unlock()
	if f.buf.Size > 0 {
		buffered.remove(f)
	}
	f.shared.release()
	return err
}

// fileSet is a set of Files guarded by a mutex.
type fileSet struct {
	mu  sync.Mutex
	set map[*File]struct{}
}

func (b *fileSet) add(f *File) {
	b.mu.Lock()
	if b.set == nil {
		b.set = map[*File]struct{}{}
	}
	b.set[f] = struct{}{}
	b.mu.Unlock()
}

func (b *fileSet) remove(f *File) {
	b.mu.Lock()
	delete(b.set, f)
	b.mu.Unlock()
}

// buffered lists the Files with a buffer, so that Reopen writes what they
// hold into the old files before switching.
var buffered fileSet

func flushAll() {
	buffered.mu.Lock()
	list := make([]*File, 0, len(buffered.set))
	for f := range buffered.set {
		list = append(list, f)
	}
	buffered.mu.Unlock()
	for _, f := range list {
		f.Flush()
	}
}
