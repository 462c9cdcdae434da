package telemetry

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// maxErrorLine bounds an error-log line, newline included, as nginx's
// NGX_MAX_ERROR_STR does; longer messages are cut.
const maxErrorLine = 2048

// ErrorLog writes error-log lines in nginx's format,
//
//	2026/11/24 10:00:00 [error] 4242#4242: *7 open() "/x" failed, client: 127.0.0.1, server: localhost, request: "GET /x HTTP/1.1"
//
// to a file, to the process's standard error ("stderr") or to a syslog
// server ("syslog:server=..."), keeping the lines of its level and the
// more severe ones. It implements gateway.ErrorLogger.
type ErrorLog struct {
	path   string
	level  gateway.Level
	file   *sharedFile
	syslog *Syslog
	closed atomic.Bool
}

// OpenErrorLog opens an error log at path ("stderr", a "syslog:" target,
// or a file name used as given) keeping lines of level and above. Files
// are shared by path with every other log of the process, so opening the
// same path again (at a reload) keeps the descriptor.
func OpenErrorLog(path string, level gateway.Level) (*ErrorLog, error) {
	l, err := newErrorLog(path, level)
	if err != nil {
		return nil, err
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

// newErrorLog checks the target; open acquires the file. The
// configuration builder opens its logs once the whole configuration is
// read, so that a configuration that fails holds no file.
func newErrorLog(path string, level gateway.Level) (*ErrorLog, error) {
	l := &ErrorLog{path: path, level: level}
	if IsSyslog(path) {
		s, err := ParseSyslog(path)
		if err != nil {
			return nil, err
		}
		l.syslog = s
	}
	return l, nil
}

func (l *ErrorLog) open() error {
	if l.syslog != nil || l.file != nil {
		return nil
	}
	key := l.path
	if key == "stderr" {
		key = stderrPath
	}
	f, err := acquireFile(key)
	if err != nil {
		return err
	}
	l.file = f
	return nil
}

// Path is the target as given to OpenErrorLog.
func (l *ErrorLog) Path() string { return l.path }

// Level is the least severe level written.
func (l *ErrorLog) Level() gateway.Level { return l.level }

// Enabled reports whether lines of level lv are written.
func (l *ErrorLog) Enabled(lv gateway.Level) bool { return lv <= l.level }

// Log writes one line; conn is the connection number printed as "*N"
// (0 for none).
func (l *ErrorLog) Log(lv gateway.Level, conn uint64, msg string) {
	if lv > l.level || l.closed.Load() || (l.file == nil && l.syslog == nil) {
		return
	}
	var buf [256]byte
	line := AppendErrorLine(buf[:0], lv, conn, msg)
	if l.syslog != nil {
		l.syslog.Send(severityOf(lv), line[:len(line)-1])
		return
	}
	l.file.Write(line)
}

// Reopen reopens the log file, for rotation.
func (l *ErrorLog) Reopen() error {
	if l.file == nil {
		return nil
	}
	return l.file.reopen()
}

// Close lets go of the file; the descriptor closes when no other log of
// the process uses the path.
func (l *ErrorLog) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	if l.syslog != nil {
		return l.syslog.Close()
	}
	if l.file != nil {
		l.file.release()
	}
	return nil
}

// ErrorLogs sends each line to several error logs, each keeping its own
// level, as several error_log directives at one level do.
type ErrorLogs []*ErrorLog

// Enabled reports whether any of the logs writes level lv.
func (ls ErrorLogs) Enabled(lv gateway.Level) bool {
	for _, l := range ls {
		if l.Enabled(lv) {
			return true
		}
	}
	return false
}

// Log writes the line to every log that keeps its level.
func (ls ErrorLogs) Log(lv gateway.Level, conn uint64, msg string) {
	for _, l := range ls {
		l.Log(lv, conn, msg)
	}
}

// Close closes every log.
func (ls ErrorLogs) Close() error {
	var first error
	for _, l := range ls {
		if err := l.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var (
	pidTid = func() string {
		// GoNJet is one process; nginx prints the worker's pid and, as
		// the thread id, the same number for the worker's only thread.
		p := strconv.Itoa(os.Getpid())
		return p + "#" + p
	}()
	errTimeCache atomic.Pointer[errTime]
)

type errTime struct {
	sec int64
	s   string
}

// errorLogTime is "2026/11/24 10:00:00", formatted once a second.
func errorLogTime() string {
	now := time.Now()
	sec := now.Unix()
	if t := errTimeCache.Load(); t != nil && t.sec == sec {
		return t.s
	}
	t := &errTime{sec: sec, s: now.Format("2006/01/02 15:04:05")}
	errTimeCache.Store(t)
	return t.s
}

// AppendErrorLine appends one error-log line, newline included, cut to
// nginx's maximum line length.
func AppendErrorLine(dst []byte, lv gateway.Level, conn uint64, msg string) []byte {
	start := len(dst)
	dst = append(dst, errorLogTime()...)
	dst = append(dst, " ["...)
	dst = append(dst, lv.String()...)
	dst = append(dst, "] "...)
	dst = append(dst, pidTid...)
	dst = append(dst, ": "...)
	if conn > 0 {
		dst = append(dst, '*')
		dst = strconv.AppendUint(dst, conn, 10)
		dst = append(dst, ' ')
	}
	dst = append(dst, msg...)
	if len(dst)-start > maxErrorLine-1 {
		dst = dst[:start+maxErrorLine-1]
	}
	return append(dst, '\n')
}

// debugLevels are the "debug_*" levels of error_log; GoNJet treats each
// as debug.
var debugLevels = []string{"debug_core", "debug_alloc", "debug_mutex", "debug_event", "debug_http", "debug_mail", "debug_stream"}

// ParseLevel reads the level arguments of error_log (none means
// "error"), with nginx's errors for unknown and repeated levels.
func ParseLevel(args []string) (gateway.Level, error) {
	if len(args) == 0 {
		return gateway.LevelError, nil
	}
	level, set, debug := gateway.LevelError, false, false
	for _, a := range args {
		if l, ok := gateway.ParseLevel(a); ok {
			if set || debug {
				return 0, fmt.Errorf("duplicate log level \"%s\"", a)
			}
			level, set = l, true
			continue
		}
		if indexOf(debugLevels, a) >= 0 {
			if set {
				return 0, fmt.Errorf("invalid log level \"%s\"", a)
			}
			level, debug = gateway.LevelDebug, true
			continue
		}
		return 0, fmt.Errorf("invalid log level \"%s\"", a)
	}
	return level, nil
}
