package telemetry

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// The njet.conf directives of nginx's log module (log_format, access_log,
// open_log_file_cache) and of the core's error_log.

// mod is the module; its setters reach their configuration through it,
// hence the assignment in init.
var mod *conf.Module

func init() {
	mod = conf.Register(&conf.Module{
		Name:    "log",
		NewConf: func() any { return &logConf{} },
		Merge:   mergeLogConf,
		Apply:   applyLogConf,
		Finish:  finish,
		Directives: []conf.Directive{
			{Name: "log_format", Context: conf.HTTP, Args: conf.TwoOrMore, Set: setLogFormat},
			{Name: "access_log", Context: conf.HTTP | conf.Server | conf.Location | conf.LocationIf | conf.LimitExcept,
				Args: conf.OneOrMore, Set: setAccessLog},
			{Name: "open_log_file_cache", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Take1234, Set: setOpenLogFileCache},
			{Name: "error_log", Context: conf.Main | conf.HTTP | conf.Server | conf.Location | conf.Stream | conf.StreamServer,
				Args: conf.OneOrMore, Set: setErrorLog},
		},
	})
}

// logConf is the module's configuration at one level.
type logConf struct {
	logs []*accessDecl // nil: not set here
	off  bool

	cache    *FileCache
	cacheSet bool

	errorLog ErrorLogs
}

func mergeLogConf(parent, child any) error {
	p, c := parent.(*logConf), child.(*logConf)
	if !c.cacheSet {
		c.cache, c.cacheSet = p.cache, p.cacheSet
	}
	if c.logs == nil && !c.off {
		c.logs, c.off = p.logs, p.off
	}
	if c.errorLog == nil {
		c.errorLog = p.errorLog
	}
	return nil
}

// build is the module's state for one configuration build.
type build struct {
	b        *conf.Builder
	formats  []*Format // parsed, "combined" first
	compiled map[*Format]*Format
	files    map[string]*File
	closers  []func() error
	opens    []func() error // run by finish: files are opened last
	mainLog  ErrorLogs
	httpLog  ErrorLogs
	defLog   *accessDecl
}

func state(b *conf.Builder) *build {
	return b.State("telemetry.log", func() any {
		combined, err := ParseFormat("combined", EscapeDefault, CombinedFormat)
		if err != nil {
			panic(err)
		}
		st := &build{b: b, formats: []*Format{combined}, compiled: map[*Format]*Format{}, files: map[string]*File{}}
		b.Config.Closers = append(b.Config.Closers, st.close)
		return st
	}).(*build)
}

// close runs when the snapshot is retired: buffers are written, caches
// and files let go.
func (st *build) close() {
	for i := len(st.closers) - 1; i >= 0; i-- {
		st.closers[i]()
	}
}

func (st *build) format(name string) *Format {
	for _, f := range st.formats {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

func (st *build) compile(f *Format) (*Format, error) {
	if c, ok := st.compiled[f]; ok {
		return c, nil
	}
	c, err := f.Compile(st.b.Vars())
	if err != nil {
		return nil, err
	}
	st.compiled[f] = c
	return c, nil
}

// file returns the build's File for an absolute path, made on first use
// and opened by finish.
func (st *build) file(path string) *File {
	if f, ok := st.files[path]; ok {
		return f
	}
	f := &File{path: path}
	st.files[path] = f
	st.opens = append(st.opens, f.open)
	st.closers = append(st.closers, f.Close)
	return f
}

// setLogFormat is "log_format name [escape=default|json|none] string ...".
func setLogFormat(bl *conf.Block, n *conf.Node) error {
	st := state(bl.B)
	name := n.Args[0]
	for _, f := range st.formats {
		if f.Name == name {
			return conf.Errorf(n, "duplicate \"log_format\" name \"%s\"", name)
		}
	}
	texts := n.Args[1:]
	escape := EscapeDefault
	if strings.HasPrefix(texts[0], "escape=") {
		e, ok := ParseEscape(texts[0][7:])
		if !ok {
			return conf.Errorf(n, "unknown log format escaping \"%s\"", texts[0][7:])
		}
		escape, texts = e, texts[1:]
	}
	f, err := ParseFormat(name, escape, texts...)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	st.formats = append(st.formats, f)
	return nil
}

// accessDecl is one access_log directive.
type accessDecl struct {
	target string // as written
	format *Format
	file   *File             // a fixed file
	path   string            // a file name with variables, prefix applied
	syslog *Syslog           // a syslog target
	cond   string            // if=
	tpl    *gateway.Template // path compiled
	ifTpl  *gateway.Template // cond compiled
	ready  bool
}

// setAccessLog is "access_log path [format [buffer=size] [gzip[=level]]
// [flush=time] [if=condition]] | off".
func setAccessLog(bl *conf.Block, n *conf.Node) error {
	lc := bl.Conf(mod).(*logConf)
	st := state(bl.B)
	args := n.Args
	if args[0] == "off" {
		lc.off = true
		if len(args) == 1 {
			return nil
		}
		return conf.Errorf(n, "invalid parameter \"%s\"", args[1])
	}
	d := &accessDecl{target: args[0]}
	switch {
	case IsSyslog(args[0]):
		s, err := ParseSyslog(args[0])
		if err != nil {
			return conf.Errorf(n, "%v", err)
		}
		d.syslog = s
		st.closers = append(st.closers, s.Close)
	case strings.Contains(args[0], "$"):
		d.path = bl.B.Path(args[0])
	}
	name := "combined"
	if len(args) >= 2 {
		name = args[1]
	}
	if d.format = st.format(name); d.format == nil {
		return conf.Errorf(n, "unknown log format \"%s\"", name)
	}
	var buf Buffering
	for _, a := range argsFrom(args, 2) {
		switch {
		case strings.HasPrefix(a, "buffer="):
			size, err := conf.ParseSize(a[7:])
			if err != nil || size == 0 {
				return conf.Errorf(n, "invalid buffer size \"%s\"", a[7:])
			}
			buf.Size = int(size)
		case strings.HasPrefix(a, "flush="):
			t, err := conf.ParseDuration(a[6:])
			if err != nil || t == 0 {
				return conf.Errorf(n, "invalid flush time \"%s\"", a[6:])
			}
			buf.Flush = t
		case a == "gzip" || strings.HasPrefix(a, "gzip="):
			if buf.Size == 0 {
				buf.Size = 64 << 10
			}
			buf.Gzip = 1
			if a != "gzip" {
				l, err := strconv.Atoi(a[5:])
				if err != nil || l < 1 || l > 9 {
					return conf.Errorf(n, "invalid compression level \"%s\"", a[5:])
				}
				buf.Gzip = l
			}
		case strings.HasPrefix(a, "if="):
			d.cond = a[3:]
		default:
			return conf.Errorf(n, "invalid parameter \"%s\"", a)
		}
	}
	if buf.Flush > 0 && buf.Size == 0 {
		return conf.Errorf(n, "no buffer is defined for access_log \"%s\"", args[0])
	}
	if buf.Size > 0 {
		if d.path != "" {
			return conf.Errorf(n, "buffered logs cannot have variables in name")
		}
		if d.syslog != nil {
			return conf.Errorf(n, "logs to syslog cannot be buffered")
		}
	}
	if d.syslog == nil && d.path == "" {
		f := st.file(bl.B.Path(args[0]))
		// every log of the file shares the buffer of the first buffered one
		if buf.Size > 0 {
			if f.buf.Size > 0 {
				if f.buf != buf {
					return conf.Errorf(n, "access_log \"%s\" already defined with conflicting parameters", args[0])
				}
			} else {
				f.buf = buf
			}
		}
		d.file = f
	}
	lc.logs = append(lc.logs, d)
	return nil
}

func argsFrom(args []string, i int) []string {
	if len(args) <= i {
		return nil
	}
	return args[i:]
}

// setOpenLogFileCache is "open_log_file_cache max=N [inactive=time]
// [min_uses=N] [valid=time] | off".
func setOpenLogFileCache(bl *conf.Block, n *conf.Node) error {
	lc := bl.Conf(mod).(*logConf)
	if lc.cacheSet {
		return conf.Duplicate(n)
	}
	lc.cacheSet = true
	max, minUses := 0, 1
	inactive, valid := 10*time.Second, 60*time.Second
	off := false
	for _, a := range n.Args {
		var err error
		switch {
		case strings.HasPrefix(a, "max="):
			max, err = conf.ParseNumber(a[4:])
		case strings.HasPrefix(a, "inactive="):
			inactive, err = conf.ParseSeconds(a[9:])
		case strings.HasPrefix(a, "min_uses="):
			minUses, err = conf.ParseNumber(a[9:])
		case strings.HasPrefix(a, "valid="):
			valid, err = conf.ParseSeconds(a[6:])
		case a == "off":
			off = true
		default:
			err = fmt.Errorf("invalid")
		}
		if err != nil {
			return conf.Errorf(n, "invalid \"open_log_file_cache\" parameter \"%s\"", a)
		}
	}
	if off {
		return nil
	}
	if max == 0 {
		return conf.Errorf(n, "\"open_log_file_cache\" must have \"max\" parameter")
	}
	lc.cache = &FileCache{Max: max, Inactive: inactive, MinUses: minUses, Valid: valid}
	st := state(bl.B)
	st.closers = append(st.closers, lc.cache.Close)
	return nil
}

// setErrorLog is "error_log file|stderr|syslog:... [level]".
func setErrorLog(bl *conf.Block, n *conf.Node) error {
	level, err := ParseLevel(n.Args[1:])
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	target := n.Args[0]
	switch {
	case strings.HasPrefix(target, "memory:"):
		return conf.Errorf(n, "nginx was built without debug support")
	case target == "stderr", IsSyslog(target):
	default:
		target = bl.B.Path(target)
	}
	l, err := newErrorLog(target, level)
	if err != nil {
		return conf.Errorf(n, "%v", err)
	}
	st := state(bl.B)
	st.opens = append(st.opens, l.open)
	st.closers = append(st.closers, l.Close)
	switch bl.Ctx {
	case conf.Main:
		if bl.B.Main.ErrorLog == nil {
			bl.B.Main.ErrorLog = append([]string(nil), n.Args...)
		}
		st.mainLog = append(st.mainLog, l)
	case conf.HTTP:
		st.httpLog = append(st.httpLog, l)
		lc := bl.Conf(mod).(*logConf)
		lc.errorLog = append(lc.errorLog, l)
	case conf.Server, conf.Location:
		lc := bl.Conf(mod).(*logConf)
		lc.errorLog = append(lc.errorLog, l)
	}
	return nil
}

// defaultLog is nginx's access log for levels that set none:
// logs/access.log in the "combined" format. A build without a prefix (a
// Go program loading a configuration, not the njet command) has no such
// place, and logs nothing by default.
func (st *build) defaultLog() (*accessDecl, error) {
	if st.defLog != nil || st.b.Prefix == "" {
		return st.defLog, nil
	}
	f := st.file(st.b.Path("logs/access.log"))
	st.defLog = &accessDecl{target: "logs/access.log", format: st.formats[0], file: f}
	return st.defLog, nil
}

// resolve compiles the directive's format and templates against the
// snapshot's variables, once the whole configuration (maps included) is
// known.
func (d *accessDecl) resolve(st *build) error {
	if d.ready {
		return nil
	}
	f, err := st.compile(d.format)
	if err != nil {
		return err
	}
	d.format = f
	if d.path != "" {
		if d.tpl, err = st.b.Vars().CompileTemplate(d.path); err != nil {
			return err
		}
	}
	if d.cond != "" {
		if d.ifTpl, err = st.b.Vars().CompileTemplate(d.cond); err != nil {
			return err
		}
	}
	d.ready = true
	return nil
}

// applyLogConf installs the access logs of a location as its log-phase
// filter.
func applyLogConf(b *conf.Builder, loc *gateway.Location, c any) error {
	lc := c.(*logConf)
	if lc.errorLog != nil {
		loc.SetExt(locationErrorLogKey, lc.errorLog)
		loc.ErrorLog = lc.errorLog
	}
	if lc.off {
		return nil
	}
	st := state(b)
	decls := lc.logs
	if decls == nil {
		d, err := st.defaultLog()
		if err != nil || d == nil {
			return err
		}
		decls = []*accessDecl{d}
	}
	ll := &LocationLog{}
	for _, d := range decls {
		if err := d.resolve(st); err != nil {
			return err
		}
		ll.Logs = append(ll.Logs, &AccessLog{
			Format: d.format, File: d.file, Path: d.tpl, Cache: lc.cache, Syslog: d.syslog,
			If: d.ifTpl, Target: d.target, Prefix: b.Prefix,
		})
	}
	loc.Use(gateway.PhaseLog, ll)
	loc.SetExt(locationLogKey, ll)
	return nil
}

// finish opens the log files, and makes the http-level error log (else
// the main one) the snapshot's error log unless the program set one.
func finish(b *conf.Builder) error {
	st := state(b)
	// A variable never defined fails the build after the modules finish,
	// and a failed build's files would stay open: check first.
	if err := b.Vars().Check(); err != nil {
		return err
	}
	for i, open := range st.opens {
		if err := open(); err != nil {
			// let go of what was opened: the configuration is dropped
			st.opens = st.opens[:i]
			st.close()
			return err
		}
	}
	if b.Config.ErrorLog != nil {
		return nil
	}
	switch {
	case len(st.httpLog) == 1:
		b.Config.ErrorLog = st.httpLog[0]
	case len(st.httpLog) > 1:
		b.Config.ErrorLog = st.httpLog
	case len(st.mainLog) == 1:
		b.Config.ErrorLog = st.mainLog[0]
	case len(st.mainLog) > 1:
		b.Config.ErrorLog = st.mainLog
	}
	return nil
}
