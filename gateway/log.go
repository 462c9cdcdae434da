package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Level is an error-log severity, nginx's levels from emerg to debug.
type Level int

// The levels, most severe first.
const (
	LevelEmerg Level = iota
	LevelAlert
	LevelCrit
	LevelError
	LevelWarn
	LevelNotice
	LevelInfo
	LevelDebug
)

var levelNames = [...]string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// ParseLevel reads an nginx level name.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), true
		}
	}
	return 0, false
}

// ErrorLogger receives error-log lines. conn is the connection number
// nginx prints as "*N" (0 when none).
type ErrorLogger interface {
	Enabled(l Level) bool
	Log(l Level, conn uint64, msg string)
}

// WriterLogger writes nginx-formatted lines
// ("2006/01/02 15:04:05 [error] PID#0: *N msg") to a file.
type WriterLogger struct {
	mu    sync.Mutex
	Out   *os.File
	Level Level
}

// Enabled reports whether lines of level l are written.
func (w *WriterLogger) Enabled(l Level) bool { return l <= w.Level }

// Log writes one line.
func (w *WriterLogger) Log(l Level, conn uint64, msg string) {
	if !w.Enabled(l) {
		return
	}
	line := FormatErrorLine(l, conn, msg)
	w.mu.Lock()
	w.Out.WriteString(line)
	w.mu.Unlock()
}

// FormatErrorLine formats an error-log line the way nginx does.
func FormatErrorLine(l Level, conn uint64, msg string) string {
	ts := time.Now().Format("2006/01/02 15:04:05")
	if conn > 0 {
		return fmt.Sprintf("%s [%s] %d#0: *%d %s\n", ts, l, os.Getpid(), conn, msg)
	}
	return fmt.Sprintf("%s [%s] %d#0: %s\n", ts, l, os.Getpid(), msg)
}

var stderrLogger ErrorLogger = &WriterLogger{Out: os.Stderr, Level: LevelError}

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logPhase runs the log-phase filters of the final location.
func (c *Ctx) logPhase() {
	if loc := c.Loc; loc != nil {
		for _, f := range loc.Phases[PhaseLog] {
			f.Handle(c)
		}
	}
	for _, f := range c.Config.Observers {
		f(c)
	}
}
