package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

//go:embed default.conf
var defaultConf string

// paths are the files and directories of one run, after -p, -c, -e and
// -d have been applied.
type paths struct {
	prefix   string
	confFile string // "" when the embedded default is used
	errorLog string // from -e, "" for the configuration's choice
	dataDir  string
}

func resolvePaths(o *options) paths {
	p := paths{prefix: o.prefix}
	if p.prefix == "" {
		p.prefix = defaultPrefix
	}
	if o.confFile != "" {
		p.confFile = inPrefix(p.prefix, o.confFile)
	} else if f := inPrefix(p.prefix, "njet.conf"); fileExists(f) {
		p.confFile = f
	}
	if o.errorLog != "" {
		if o.errorLog == "stderr" {
			p.errorLog = "stderr"
		} else {
			p.errorLog = inPrefix(p.prefix, o.errorLog)
		}
	}
	p.dataDir = o.dataDir
	if p.dataDir == "" {
		p.dataDir = p.prefix
	}
	return p
}

func inPrefix(prefix, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return prefix + name
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// load reads and builds the configuration.
func load(p paths, o *options, prev *gateway.Config) (*conf.Result, error) {
	opts := conf.Options{Prefix: p.prefix, Globals: o.globals, Prev: prev}
	if p.confFile == "" {
		return conf.LoadString(defaultConf, opts)
	}
	return conf.LoadFile(p.confFile, opts)
}

func confName(p paths) string {
	if p.confFile == "" {
		return "(embedded default)"
	}
	return p.confFile
}

// run carries out -t, -T, -s or a start, and returns the exit status.
func run(o *options) int {
	p := resolvePaths(o)
	res, err := load(p, o, nil)
	if o.test {
		return testConfig(p, o, res, err)
	}
	if err != nil {
		emerg(p, err)
		return 1
	}
	if o.signal != "" {
		if err := sendSignal(p, res, o.signal); err != nil {
			emerg(p, err)
			return 1
		}
		return 0
	}
	if res.Builder.Main.Daemon && os.Getenv(daemonEnv) == "" {
		if err := daemonize(); err != nil {
			emerg(p, err)
			return 1
		}
		return 0
	}
	return serve(p, o, res)
}

// testConfig prints what "nginx -t" prints.
func testConfig(p paths, o *options, res *conf.Result, err error) int {
	name := confName(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "njet: [emerg] %v\n", err)
		fmt.Fprintf(os.Stderr, "njet: configuration file %s test failed\n", name)
		return 1
	}
	if err := res.Config.Prepare(); err != nil {
		fmt.Fprintf(os.Stderr, "njet: [emerg] %v\n", err)
		fmt.Fprintf(os.Stderr, "njet: configuration file %s test failed\n", name)
		return 1
	}
	if !o.quiet {
		fmt.Fprintf(os.Stderr, "njet: the configuration file %s syntax is ok\n", name)
		fmt.Fprintf(os.Stderr, "njet: configuration file %s test is successful\n", name)
	}
	if o.dump {
		if p.confFile == "" {
			fmt.Fprintf(os.Stdout, "# configuration file %s:\n%s\n", name, defaultConf)
		} else if err := conf.Dump(os.Stdout, res.Files...); err != nil {
			fmt.Fprintf(os.Stderr, "njet: [emerg] %v\n", err)
			return 1
		}
	}
	return 0
}

// emerg reports a fatal error on stderr and, when known, in the error
// log, as nginx does before its own log is set up.
func emerg(p paths, err error) {
	fmt.Fprintf(os.Stderr, "njet: [emerg] %v\n", err)
	if p.errorLog != "" && p.errorLog != "stderr" {
		if f, ferr := os.OpenFile(p.errorLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); ferr == nil {
			io.WriteString(f, gateway.FormatErrorLine(gateway.LevelEmerg, 0, err.Error()))
			f.Close()
		}
	}
}

func pidFile(p paths, res *conf.Result) string {
	name := res.Builder.Main.PidFile
	if name == "" {
		name = "logs/njet.pid"
	}
	return inPrefix(p.prefix, name)
}

var signals = map[string]syscall.Signal{
	"stop":   syscall.SIGTERM,
	"quit":   syscall.SIGQUIT,
	"reopen": syscall.SIGUSR1,
	"reload": syscall.SIGHUP,
}

// sendSignal is "njet -s NAME": it signals the process in the pid file.
func sendSignal(p paths, res *conf.Result, name string) error {
	file := pidFile(p, res)
	b, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("open() \"%s\" failed (%v)", file, errnoText(pe.Err))
		}
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("invalid PID number \"%s\" in \"%s\"", strings.TrimSpace(string(b)), file)
	}
	if err := syscall.Kill(pid, signals[name]); err != nil {
		return fmt.Errorf("kill(%d, %d) failed (%v)", pid, signals[name], errnoText(err))
	}
	return nil
}

// errnoText formats an errno as nginx: "2: No such file or directory".
func errnoText(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		s := e.Error()
		return strconv.Itoa(int(e)) + ": " + strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// daemonEnv marks the detached copy of the process.
const daemonEnv = "GONJET_DAEMON"

// daemonize starts this program again in a new session with the same
// arguments and no terminal; the copy serves, this process exits. A Go
// program cannot fork, so this is how "daemon on" is honoured.
func daemonize() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
