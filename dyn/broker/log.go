package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LevelNotice is Mosquitto's "notice" log type (start-up and shutdown
// lines) as a slog level, between Info and Warn.
const LevelNotice = slog.Level(2)

// logType names the Mosquitto log type of a slog level.
func logType(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < LevelNotice:
		return "information"
	case l < slog.LevelWarn:
		return "notice"
	case l < slog.LevelError:
		return "warning"
	}
	return "error"
}

// typeFilter passes only records whose Mosquitto log type is enabled:
// Mosquitto's log_type lines each enable one type, they are not a
// threshold.
type typeFilter struct {
	types map[string]bool
	next  slog.Handler
}

func newTypeFilter(types []string, next slog.Handler) slog.Handler {
	m := map[string]bool{}
	for _, t := range types {
		switch t {
		case "all":
			for _, a := range []string{"debug", "information", "notice", "warning", "error"} {
				m[a] = true
			}
		case "none":
			clear(m)
		default:
			m[t] = true
		}
	}
	return &typeFilter{types: m, next: next}
}

func (f *typeFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return f.types[logType(l)] && f.next.Enabled(ctx, l)
}

func (f *typeFilter) Handle(ctx context.Context, r slog.Record) error {
	return f.next.Handle(ctx, r)
}

func (f *typeFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return &typeFilter{types: f.types, next: f.next.WithAttrs(a)}
}

func (f *typeFilter) WithGroup(g string) slog.Handler {
	return &typeFilter{types: f.types, next: f.next.WithGroup(g)}
}

// lineHandler writes Mosquitto-style lines, "1700000000: message k=v", to
// the log_dest outputs.
type lineHandler struct {
	mu     *sync.Mutex
	outs   []io.Writer
	prefix string // preformatted attributes from WithAttrs
	group  string
}

func (h *lineHandler) Enabled(context.Context, slog.Level) bool { return len(h.outs) > 0 }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b.WriteString(strconv.FormatInt(t.Unix(), 10))
	b.WriteString(": ")
	if r.Level >= slog.LevelWarn {
		// Mosquitto prefixes warnings and errors with their type.
		if r.Level >= slog.LevelError {
			b.WriteString("Error: ")
		} else {
			b.WriteString("Warning: ")
		}
	}
	b.WriteString(r.Message)
	b.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, h.group, a)
		return true
	})
	b.WriteByte('\n')
	line := b.String()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.outs {
		io.WriteString(w, line)
	}
	return nil
}

func writeAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := a.Key
		if group != "" {
			g = group + "." + g
		}
		for _, s := range a.Value.Group() {
			writeAttr(b, g, s)
		}
		return
	}
	b.WriteByte(' ')
	if group != "" {
		b.WriteString(group)
		b.WriteByte('.')
	}
	b.WriteString(a.Key)
	b.WriteByte('=')
	v := a.Value.String()
	if strings.ContainsAny(v, " \"=") || v == "" {
		v = strconv.Quote(v)
	}
	b.WriteString(v)
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	for _, a := range as {
		writeAttr(&b, h.group, a)
	}
	n := *h
	n.prefix += b.String()
	return &n
}

func (h *lineHandler) WithGroup(g string) slog.Handler {
	n := *h
	if n.group != "" {
		g = n.group + "." + g
	}
	n.group = g
	return &n
}

// openLog builds the broker's logger from log_dest and log_type. fallback
// is used when no log_dest is configured; without it the log goes to
// defaultFile (PREFIX/logs/mosquitto.log), as in OpenNJet. The returned
// closers release the files opened.
func openLog(cfg Config, fallback *slog.Logger, defaultFile string) (*slog.Logger, []io.Closer, error) {
	dests := cfg.LogDest
	if len(dests) == 0 {
		if fallback != nil {
			return slog.New(newTypeFilter(cfg.LogTypes, fallback.Handler())), nil, nil
		}
		dests = []LogDest{{Type: "file", Path: defaultFile}}
	}
	var outs []io.Writer
	var closers []io.Closer
	fail := func(err error) (*slog.Logger, []io.Closer, error) {
		for _, c := range closers {
			c.Close()
		}
		return nil, nil, err
	}
	for _, d := range dests {
		switch d.Type {
		case "stdout":
			outs = append(outs, os.Stdout)
		case "stderr":
			outs = append(outs, os.Stderr)
		case "file":
			f, err := os.OpenFile(d.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				return fail(fmt.Errorf("Error: Unable to open log file %s for writing: %w", d.Path, err))
			}
			outs = append(outs, f)
			closers = append(closers, f)
		case "syslog":
			w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "mosquitto")
			if err != nil {
				return fail(fmt.Errorf("Error: Unable to open syslog: %w", err))
			}
			outs = append(outs, w)
			closers = append(closers, w)
		}
		// "none", "topic" and "dlt" write nowhere here.
	}
	h := &lineHandler{mu: new(sync.Mutex), outs: outs}
	return slog.New(newTypeFilter(cfg.LogTypes, h)), closers, nil
}

// quietFirstStart drops the error mochi-mqtt's bbolt hook logs when a new
// database has no $SYS record yet: every first start would otherwise
// write an error line to a log that shows only errors by default.
type quietFirstStart struct{ slog.Handler }

func (q quietFirstStart) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "failed to get data" {
		sys := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "key" && a.Value.String() == "SYS" {
				sys = true
			}
			return !sys
		})
		if sys {
			return nil
		}
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietFirstStart) WithAttrs(a []slog.Attr) slog.Handler {
	return quietFirstStart{q.Handler.WithAttrs(a)}
}

func (q quietFirstStart) WithGroup(g string) slog.Handler {
	return quietFirstStart{q.Handler.WithGroup(g)}
}
