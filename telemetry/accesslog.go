package telemetry

import (
	"container/list"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// AccessLog writes one line per request in a Format to one destination:
// a File, a file whose name has variables (Path), or a syslog server.
type AccessLog struct {
	Format *Format
	// File is the destination when its name has no variables.
	File *File
	// Path is the destination's name when it has variables; the file is
	// opened for each request, or kept open by Cache.
	Path *gateway.Template
	// Cache keeps files named by Path open between requests
	// (open_log_file_cache); nil opens and closes them every time.
	Cache *FileCache
	// Syslog is the destination of "syslog:" targets.
	Syslog *Syslog
	// If, when set, skips requests for which it evaluates to "" or "0".
	If *gateway.Template
	// Target is the destination as written in the configuration.
	Target string
	// Prefix is the directory relative roots are resolved against, for
	// the document-root test made before writing to a Path file.
	Prefix string
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Write logs the request.
func (a *AccessLog) Write(c *gateway.Ctx) {
	if a.If != nil {
		if v := a.If.Eval(c); v == "" || v == "0" {
			return
		}
	}
	bp := linePool.Get().(*[]byte)
	line := append(a.Format.Append((*bp)[:0], c), '\n')
	switch {
	case a.Syslog != nil:
		if err := a.Syslog.Send(-1, line[:len(line)-1]); err != nil {
			c.Logf(gateway.LevelWarn, "%v", err)
		}
	case a.File != nil:
		if err := a.File.Write(line); err != nil && a.File.shouldReport(time.Now()) {
			c.Logf(gateway.LevelAlert, "%v", err)
		}
	case a.Path != nil:
		a.writePath(c, line)
	}
	if cap(line) <= 64<<10 {
		*bp = line[:0]
		linePool.Put(bp)
	}
}

// writePath writes to a file named with variables. Like nginx, it first
// checks that the location's document root exists, so that a request
// cannot make the gateway create files under a missing tree.
func (a *AccessLog) writePath(c *gateway.Ctx, line []byte) {
	if !a.rootExists(c) {
		return
	}
	name := a.Path.Eval(c)
	var err error
	if a.Cache != nil {
		err = a.Cache.Write(name, line)
	} else {
		err = writeOnce(name, line)
	}
	if err != nil {
		c.Logf(gateway.LevelCrit, "%v", err)
	}
}

func writeOnce(name string, line []byte) error {
	f, err := openLogFile(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(line); err != nil {
		return writeError(name, err)
	}
	return nil
}

func writeError(name string, err error) error {
	return &logError{"write() to \"" + name + "\" failed (" + errnoText(err) + ")"}
}

type logError struct{ s string }

func (e *logError) Error() string { return e.s }

func (a *AccessLog) rootExists(c *gateway.Ctx) bool {
	root := "html"
	if loc := c.Loc; loc != nil {
		if loc.Core.Alias != nil {
			root = loc.Core.Alias.Eval(c)
		} else if loc.Core.Root != nil {
			root = loc.Core.Root.Eval(c)
		}
	}
	if !filepath.IsAbs(root) {
		root = a.Prefix + root
	}
	st, err := os.Stat(root)
	if err != nil {
		c.Logf(gateway.LevelError, "testing \"%s\" existence failed (%s)", root, errnoText(err))
		return false
	}
	if !st.IsDir() {
		c.Logf(gateway.LevelError, "testing \"%s\" existence failed (%s)", root, errnoText(syscall.ENOTDIR))
		return false
	}
	return true
}

// LocationLog is the log-phase filter of a location: its access logs,
// and a switch to turn them off while the configuration runs (the
// dynamic access-log API).
type LocationLog struct {
	Logs []*AccessLog
	off  atomic.Bool
}

// Handle writes the request to every access log of the location.
func (l *LocationLog) Handle(c *gateway.Ctx) gateway.Result {
	if l.off.Load() {
		return gateway.Continue
	}
	for _, a := range l.Logs {
		a.Write(c)
	}
	return gateway.Continue
}

// SetEnabled turns the location's access logging on or off.
func (l *LocationLog) SetEnabled(on bool) { l.off.Store(!on) }

// Enabled reports whether the location logs requests.
func (l *LocationLog) Enabled() bool { return !l.off.Load() }

var locationLogKey = gateway.NewExtKey()

// LocationAccessLog returns the access-log filter the configuration gave
// loc, or nil when the location does not log ("access_log off").
func LocationAccessLog(loc *gateway.Location) *LocationLog {
	l, _ := loc.ExtValue(locationLogKey).(*LocationLog)
	return l
}

var locationErrorLogKey = gateway.NewExtKey()

// LocationErrorLog returns the error logs that error_log directives gave
// loc (or the server or http level above it), nil when none did.
func LocationErrorLog(loc *gateway.Location) ErrorLogs {
	l, _ := loc.ExtValue(locationErrorLogKey).(ErrorLogs)
	return l
}

// FileCache keeps the descriptors of log files named with variables open
// between requests, as open_log_file_cache does: up to Max files, each
// kept once used MinUses times, closed after Inactive without use, and
// checked against the file system every Valid (a file moved away is
// reopened by name).
type FileCache struct {
	Max      int
	Inactive time.Duration
	MinUses  int
	Valid    time.Duration

	mu      sync.Mutex
	entries map[string]*cacheEntry
	lru     list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	name     string
	f        *os.File
	uses     int
	accessed time.Time
	checked  time.Time
	elem     *list.Element
}

// NewFileCache returns a cache with nginx's defaults for the parameters
// left zero: inactive 10s, valid 60s, min_uses 1.
func NewFileCache(max int, inactive time.Duration, minUses int, valid time.Duration) *FileCache {
	if inactive == 0 {
		inactive = 10 * time.Second
	}
	if valid == 0 {
		valid = 60 * time.Second
	}
	if minUses == 0 {
		minUses = 1
	}
	return &FileCache{Max: max, Inactive: inactive, MinUses: minUses, Valid: valid, entries: map[string]*cacheEntry{}}
}

// Write appends line to the file called name. A file that cannot be
// opened is not cached, and does not push another file out.
func (fc *FileCache) Write(name string, line []byte) error {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.entries == nil {
		fc.entries = map[string]*cacheEntry{}
	}
	now := time.Now()
	fc.expire(now)
	e := fc.entries[name]
	if e != nil {
		fc.lru.MoveToFront(e.elem)
		e.uses++
		e.accessed = now
		if e.f != nil && now.Sub(e.checked) >= fc.Valid {
			if sameFile(e.f, name) {
				e.checked = now
			} else {
				e.f.Close()
				e.f = nil
			}
		}
		if e.f != nil {
			return writeTo(e.f, name, line)
		}
	}
	f, err := openLogFile(name)
	if err != nil {
		if e != nil {
			fc.remove(e)
		}
		return err
	}
	if e == nil {
		if len(fc.entries) >= fc.Max {
			fc.remove(fc.lru.Back().Value.(*cacheEntry))
		}
		e = &cacheEntry{name: name, uses: 1, accessed: now}
		e.elem = fc.lru.PushFront(e)
		fc.entries[name] = e
	}
	if e.uses < fc.MinUses {
		defer f.Close()
		return writeTo(f, name, line)
	}
	e.f, e.checked = f, now
	return writeTo(f, name, line)
}

func writeTo(f *os.File, name string, line []byte) error {
	if _, err := f.Write(line); err != nil {
		return writeError(name, err)
	}
	return nil
}

// sameFile reports whether name still names the open file f.
func sameFile(f *os.File, name string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(name)
	return err == nil && os.SameFile(a, b)
}

// expire drops entries unused for longer than Inactive.
func (fc *FileCache) expire(now time.Time) {
	for el := fc.lru.Back(); el != nil; el = fc.lru.Back() {
		e := el.Value.(*cacheEntry)
		if now.Sub(e.accessed) < fc.Inactive {
			return
		}
		fc.remove(e)
	}
}

func (fc *FileCache) remove(e *cacheEntry) {
	if e.f != nil {
		e.f.Close()
	}
	fc.lru.Remove(e.elem)
	delete(fc.entries, e.name)
}

// Close closes every cached file.
func (fc *FileCache) Close() error {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for _, e := range fc.entries {
		fc.remove(e)
	}
	return nil
}
