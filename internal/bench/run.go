package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// harness holds what every run of a scenario shares.
type harness struct {
	opt  options
	tmp  string // the temporary directory all prefixes live in
	out  io.Writer
	logf func(format string, args ...any) // progress, on stderr

	nginx, njet, netHTTP *program
	njetHTTP2            bool // njet -V names --with-http_v2_module

	backendPort int
	backendPID  int // the backend's worker, whose CPU use is reported
}

// sample is what one round measured of one program in one scenario.
type sample struct {
	loadResult
	hwmKiB     int64   // peak RSS of the serving process
	cpu        float64 // share of one core the serving process used during the load
	backendCPU float64 // the same for the backend's worker
	genCPU     float64 // the same for wrk or h2load
	otherCPU   float64 // the rest of the machine: other programs that ran at the same time
	problems   []string
	failed     bool // the round did not complete; only problems is set

	// Scenario d only.
	baseKiB, idleKiB int64 // RSS before and with the idle connections
	alive            int   // idle connections still open at the end
}

// perConnKiB is the RSS one idle connection added, scenario d.
func (s *sample) perConnKiB(n int) float64 {
	return float64(s.idleKiB-s.baseKiB) / float64(n)
}

// prefix makes a fresh prefix directory for one run: the configuration,
// html/ with the files the scenarios ask for, logs/ and tmp/. Everything
// is readable by all, since nginx started as root serves as "nobody".
func (h *harness) prefix(name, conf string) (string, error) {
	dir := filepath.Join(h.tmp, name)
	for _, d := range []string{"html", "logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	files := map[string]string{
		"html/1k":    smallBody,
		"html/64k":   strings.Repeat("y", largeSize),
		"bench.conf": conf,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// startBackend starts the nginx that every proxied scenario forwards to.
func (h *harness) startBackend(ctx context.Context) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := h.prefix("backend", backendConf(port))
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := start(ctx, h.nginx, h.opt.backendCPU, dir, "bench.conf", addr)
	if err != nil {
		return nil, err
	}
	pid, err := p.waitReady(addr)
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("backend: %w", err)
	}
	h.backendPort, h.backendPID = port, pid
	if err := check(&scenario{path: "/64k", wantLen: largeSize}, addr); err != nil {
		p.stop()
		return nil, fmt.Errorf("backend: %w", err)
	}
	return p, nil
}

// round measures prog once in scenario sc: a fresh process, a check of
// one answer, the warm-up, the load, then SIGQUIT.
func (h *harness) round(ctx context.Context, sc *scenario, prog *program, round int) (*sample, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir, err := h.prefix(fmt.Sprintf("%s-%s-%d", sc.key, prog.slug, round), gatewayConf(sc, port, h.backendPort))
	if err != nil {
		return nil, err
	}
	p, err := start(ctx, prog, h.opt.gwCPU, dir, "bench.conf", addr)
	if err != nil {
		return nil, err
	}
	s, err := h.measure(ctx, sc, p, addr)
	if serr := p.stop(); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	s.problems = append(s.problems, logProblems(dir)...)
	return s, nil
}

func (h *harness) measure(ctx context.Context, sc *scenario, p *proc, addr string) (*sample, error) {
	pid, err := p.waitReady(addr)
	if err != nil {
		return nil, err
	}
	s := &sample{}
	if sc.load != loadH2 {
		if err := check(sc, addr); err != nil {
			s.problems = append(s.problems, "check before the load: "+err.Error())
		}
	}
	if sc.load == loadIdle {
		return s, h.idle(ctx, sc, pid, addr, s)
	}
	if sc.load == loadWrk {
		if _, err := h.wrk(ctx, sc, addr, h.opt.warmup); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	cpu0, bcpu0, self0, busy0, t0 := cpuTime(pid), cpuTime(h.backendPID), cpuTime(os.Getpid()), machineBusy(), time.Now()
	if sc.load == loadH2 {
		s.loadResult, err = h.h2load(ctx, addr, sc.path, p.prefix)
	} else {
		s.loadResult, err = h.wrk(ctx, sc, addr, h.opt.duration)
	}
	if err != nil {
		return nil, err
	}
	// h2load's warm-up is inside its run; the share is over the whole of it.
	wall := time.Since(t0).Seconds()
	s.cpu = (cpuTime(pid) - cpu0).Seconds() / wall
	s.backendCPU = (cpuTime(h.backendPID) - bcpu0).Seconds() / wall
	s.genCPU = s.loadCPU.Seconds() / wall
	s.otherCPU = (machineBusy()-busy0).Seconds()/wall - s.cpu - s.backendCPU - s.genCPU - (cpuTime(os.Getpid())-self0).Seconds()/wall
	if s.hwmKiB, err = memKiB(pid, "VmHWM"); err != nil {
		return nil, err
	}
	if s.non2xx > 0 {
		s.problems = append(s.problems, fmt.Sprintf("%d answers were not 2xx", s.non2xx))
	}
	if s.socketErrors > 0 {
		s.problems = append(s.problems, fmt.Sprintf("%d socket errors or failed requests", s.socketErrors))
	}
	return s, nil
}

// idle is scenario d: the RSS before and with h.opt.idle idle keepalive
// connections. The base is read after a few requests on a few connections,
// so that what start-up and the first requests cost (buffers, the upstream
// connections) is not counted per connection.
func (h *harness) idle(ctx context.Context, sc *scenario, pid int, addr string, s *sample) error {
	warm, err := openIdle(ctx, addr, sc.path, h.opt.conns)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	warm.alive(ctx, sc.path)
	warm.close()
	settle()
	if s.baseKiB, err = memKiB(pid, "VmRSS"); err != nil {
		return err
	}
	ic, err := openIdle(ctx, addr, sc.path, h.opt.idle)
	if err != nil {
		return err
	}
	defer ic.close()
	settle()
	if s.idleKiB, err = memKiB(pid, "VmRSS"); err != nil {
		return err
	}
	s.alive = ic.alive(ctx, sc.path)
	if s.alive < h.opt.idle {
		s.problems = append(s.problems, fmt.Sprintf("%d of %d idle connections had been closed by the server", h.opt.idle-s.alive, h.opt.idle))
	}
	s.hwmKiB, err = memKiB(pid, "VmHWM")
	return err
}

// quiet is how much CPU the rest of the machine may use, in cores, for a
// round to start without waiting.
const quiet = 0.1

// waitQuiet waits, up to -quiet-wait, for a second in which other programs
// used less than a tenth of a core: on a shared machine a build that runs
// beside a round can halve its figures. The Rounds table shows how much
// others used anyway.
func (h *harness) waitQuiet(ctx context.Context) {
	deadline := time.Now().Add(h.opt.quietWait)
	for waited := false; ; waited = true {
		mine := cpuTime(h.backendPID) + cpuTime(os.Getpid())
		busy, t0 := machineBusy(), time.Now()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		others := ((machineBusy() - busy) - (cpuTime(h.backendPID) + cpuTime(os.Getpid()) - mine)).Seconds() / time.Since(t0).Seconds()
		if others < quiet {
			return
		}
		if time.Now().After(deadline) {
			h.logf("  the machine is still busy (others use %.0f%% of a core); starting anyway", others*100)
			return
		}
		if !waited {
			h.logf("  waiting for other programs to leave the CPUs alone (others use %.0f%% of a core)", others*100)
		}
	}
}

// settle gives a server time to finish with what it was sent (and a Go
// runtime to return memory it no longer needs) before its RSS is read.
func settle() { time.Sleep(2 * time.Second) }

// wrk runs "wrk -t1 -cN --latency" on the load CPU for d.
func (h *harness) wrk(ctx context.Context, sc *scenario, addr string, d time.Duration) (loadResult, error) {
	args := append(h.taskset(), "wrk", "-t1", "-c"+strconv.Itoa(h.opt.conns), "-d"+wrkSeconds(d), "--latency")
	for _, hd := range sc.header {
		args = append(args, "-H", hd)
	}
	if script := sc.wrkScript(); script != "" {
		name := filepath.Join(h.tmp, "scenario-"+sc.key+".lua")
		if err := os.WriteFile(name, []byte(script), 0o644); err != nil {
			return loadResult{}, err
		}
		args = append(args, "-s", name)
	}
	args = append(args, "http://"+addr+sc.path)
	out, cpu, err := h.command(ctx, args)
	if err != nil {
		return loadResult{}, err
	}
	r, err := parseWrk(out)
	r.loadCPU = cpu
	return r, err
}

// h2Streams is how many streams h2load keeps open on each connection:
// one, so that the gateway has as many requests in flight as wrk gives it
// (-conns) and as the upstream keeps idle connections (64); with more, the
// requests beyond those open and close upstream connections of their own.
const h2Streams = 1

// h2load runs h2load with HTTP/2 prior knowledge (what it does for an
// http:// URI) and takes the percentiles from its per-request log.
func (h *harness) h2load(ctx context.Context, addr, path, dir string) (loadResult, error) {
	logName := filepath.Join(dir, "logs", "h2load.log")
	args := append(h.taskset(), "h2load", "-t1", "-c"+strconv.Itoa(h.opt.conns), "-m"+strconv.Itoa(h2Streams),
		"-D", wrkSeconds(h.opt.duration), "--warm-up-time", wrkSeconds(h.opt.warmup),
		"--log-file", logName, "http://"+addr+path)
	out, cpu, err := h.command(ctx, args)
	if err != nil {
		return loadResult{}, err
	}
	r, err := parseH2load(out)
	r.loadCPU = cpu
	if err != nil {
		return r, err
	}
	f, err := os.Open(logName)
	if err != nil {
		return r, err
	}
	defer f.Close()
	r.p50, r.p99, err = parseH2log(f)
	return r, err
}

// taskset pins a load generator to the load CPU.
func (h *harness) taskset() []string {
	return []string{"taskset", "-c", strconv.Itoa(h.opt.loadCPU)}
}

// command runs a load generator and returns its output and the CPU time
// it used.
func (h *harness) command(ctx context.Context, args []string) (string, time.Duration, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// wrkSeconds formats a duration as whole seconds, at least one, which both
// wrk and h2load accept.
func wrkSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10) + "s"
}

// check makes one request as the scenario would and tells what is wrong
// with the answer, if anything.
func check(sc *scenario, addr string) error {
	var body io.Reader
	if sc.body > 0 {
		body = strings.NewReader(strings.Repeat("x", sc.body))
	}
	req, err := http.NewRequest(sc.method(), "http://"+addr+sc.path, body)
	if err != nil {
		return err
	}
	for _, hd := range sc.header {
		name, value, _ := strings.Cut(hd, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	var bad []string
	if resp.StatusCode != http.StatusOK {
		bad = append(bad, fmt.Sprintf("status %d, want 200", resp.StatusCode))
	}
	if sc.wantLen > 0 && len(data) != sc.wantLen {
		bad = append(bad, fmt.Sprintf("body of %d bytes, want %d", len(data), sc.wantLen))
	}
	for name, want := range sc.wantHeader {
		if got := resp.Header.Get(name); got != want {
			bad = append(bad, fmt.Sprintf("%s: %q, want %q", name, got, want))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s %s: %s", sc.method(), sc.path, strings.Join(bad, "; "))
	}
	return nil
}
