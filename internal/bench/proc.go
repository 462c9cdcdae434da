package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// program is a server the harness can start: a gateway under test, the
// plain net/http server of scenario d, or the backend.
type program struct {
	name string // as printed in the report
	slug string // in directory names
	bin  string
	env  []string
	// args is the command line after the binary for a prefix directory,
	// the configuration file in it and the address to listen on (which the
	// configuration also names).
	args func(prefix, conf, addr string) []string
	// forks says that the program serves from a child process (nginx's
	// worker), which is the one measured.
	forks bool
}

func nginxProgram(bin string) *program {
	return &program{
		name: "nginx", slug: "nginx", bin: bin, forks: true,
		args: prefixArgs,
	}
}

func njetProgram(bin string) *program {
	return &program{
		name: "GoNJet", slug: "njet", bin: bin, env: []string{"GOMAXPROCS=1"},
		args: prefixArgs,
	}
}

// prefixArgs is the command line nginx and njet share.
func prefixArgs(prefix, conf, _ string) []string { return []string{"-p", prefix + "/", "-c", conf} }

// netHTTPProgram is this harness started again in its -serve-nethttp mode.
func netHTTPProgram(self string) *program {
	return &program{
		name: "net/http", slug: "nethttp", bin: self, env: []string{"GOMAXPROCS=1"},
		args: func(_, _, addr string) []string { return []string{"-serve-nethttp", addr} },
	}
}

// proc is a started program.
type proc struct {
	prog   *program
	cmd    *exec.Cmd
	prefix string
	exited chan struct{}
	werr   error
}

// start runs prog pinned to cpu with taskset, its output in
// prefix/logs/stdout.log. A cancelled ctx stops it with SIGTERM, which both
// nginx and njet take as "stop now" (nginx passes it on to its workers,
// which SIGKILL would orphan).
func start(ctx context.Context, prog *program, cpu int, prefix, conf, addr string) (*proc, error) {
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(prefix, "logs", "stdout.log"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	args := append([]string{"-c", strconv.Itoa(cpu), prog.bin}, prog.args(prefix, conf, addr)...)
	cmd := exec.CommandContext(ctx, "taskset", args...)
	cmd.Dir = prefix
	cmd.Env = append(os.Environ(), prog.env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", prog.name, err)
	}
	p := &proc{prog: prog, cmd: cmd, prefix: prefix, exited: make(chan struct{})}
	go func() {
		p.werr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop ends the program gracefully with SIGQUIT, as "nginx -s quit" does,
// and kills it if it has not exited after 15 seconds. A program that had
// already exited, or that needed the kill, is reported as an error.
func (p *proc) stop() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s had exited before it was stopped: %v%s", p.prog.name, p.werr, p.outputTail())
	default:
	}
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
		return nil
	case <-time.After(15 * time.Second):
		p.cmd.Process.Signal(syscall.SIGTERM)
		<-p.exited
		return fmt.Errorf("%s did not exit within 15s of SIGQUIT", p.prog.name)
	}
}

// waitReady waits until the program accepts connections on addr and, for
// a program that forks, until its serving child exists; it returns the
// pid to measure.
func (p *proc) waitReady(addr string) (int, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited at start: %v%s", p.prog.name, p.werr, p.outputTail())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			if !p.prog.forks {
				return p.cmd.Process.Pid, nil
			}
			if kids := children(p.cmd.Process.Pid); len(kids) == 1 {
				return kids[0], nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: nothing answers on %s after 15s%s", p.prog.name, addr, p.outputTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outputTail is the end of the program's terminal output and error log,
// for error messages.
func (p *proc) outputTail() string {
	var b strings.Builder
	for _, name := range []string{"stdout.log", "error.log"} {
		data, _ := os.ReadFile(filepath.Join(p.prefix, "logs", name))
		data = bytes.TrimSpace(data)
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		if len(data) > 0 {
			fmt.Fprintf(&b, "\n--- %s:\n%s", name, data)
		}
	}
	return b.String()
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, err := statFields(n); err == nil && f[1] == strconv.Itoa(pid) {
			kids = append(kids, n)
		}
	}
	return kids
}

// statFields returns the fields of /proc/PID/stat after the command name,
// so that f[0] is the state, f[1] the parent pid, f[11] utime and f[12]
// stime (fields 3, 4, 14 and 15 of proc(5)).
func statFields(pid int) ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	// The command name is in parentheses and may itself hold spaces or
	// parentheses; the last ')' ends it.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return nil, errors.New("short /proc stat")
	}
	return f, nil
}

// clockTicks is USER_HZ, the unit of utime and stime; it is 100 on every
// Linux architecture Go runs on.
const clockTicks = 100

// cpuTime is the CPU time pid has used so far.
func cpuTime(pid int) time.Duration {
	f, err := statFields(pid)
	if err != nil {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / clockTicks
}

// machineBusy is the CPU time all processes together have spent in user
// and system mode since boot (the first line of /proc/stat), interrupts
// apart.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, v := range f[1:4] { // user, nice, system
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// memKiB reads a field of /proc/PID/status in KiB: VmHWM is the peak
// resident set, VmRSS the current one.
func memKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// logProblems returns the lines of the program's error log at level warn
// or worse, and everything it wrote on its terminal other than notices:
// a run that leaves any is reported.
func logProblems(prefix string) []string {
	var out []string
	for _, name := range []string{"error.log", "stdout.log"} {
		data, _ := os.ReadFile(filepath.Join(prefix, "logs", name))
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.Contains(line, "[notice]") || strings.Contains(line, "[info]") {
				continue
			}
			out = append(out, line)
		}
	}
	return out
}

// freePort asks the OS for a port that is free now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
