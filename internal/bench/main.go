package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	rounds    int
	duration  time.Duration
	warmup    time.Duration
	scenarios string
	conns     int
	idle      int
	keep      bool
	quietWait time.Duration

	gwCPU, loadCPU, backendCPU int

	serveNetHTTP string // internal: run as scenario d's net/http server
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.rounds, "rounds", 3, "rounds per scenario; the report shows the medians")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured load run")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "load run before each measurement, not counted")
	fs.StringVar(&o.scenarios, "scenarios", "all", "scenarios to run: letters a-g separated by commas, or all")
	fs.IntVar(&o.conns, "conns", 64, "connections of wrk and h2load")
	fs.IntVar(&o.idle, "idle", 10000, "idle keepalive connections in scenario d")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configurations, logs) and print its name")
	fs.DurationVar(&o.quietWait, "quiet-wait", 30*time.Second, "before each round, wait up to this long for other programs to leave the CPUs alone (0: do not wait)")
	// Gateway, load and backend each on a core of their own when there are
	// three; on two the backend shares the load generator's, never the
	// gateway's.
	cpus := runtime.NumCPU()
	load, backend := min(1, cpus-1), min(1, cpus-1)
	if cpus > 2 {
		backend = 2
	}
	fs.IntVar(&o.gwCPU, "gw-cpu", 0, "CPU the gateway under test is pinned to")
	fs.IntVar(&o.loadCPU, "load-cpu", load, "CPU wrk and h2load are pinned to")
	fs.IntVar(&o.backendCPU, "backend-cpu", backend, "CPU the backend nginx is pinned to")
	fs.StringVar(&o.serveNetHTTP, "serve-nethttp", "", "internal: serve as the plain net/http server of scenario d on this address")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.rounds < 1 || o.conns < 1 || o.idle < 1 || o.duration <= 0 || o.warmup <= 0 {
		return o, errors.New("-rounds, -conns, -idle, -duration and -warmup must be positive")
	}
	for _, c := range []int{o.gwCPU, o.loadCPU, o.backendCPU} {
		if c < 0 || c >= cpus {
			return o, fmt.Errorf("CPU %d does not exist; this machine has %d", c, cpus)
		}
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if o.serveNetHTTP != "" {
		err = serveNetHTTP(o.serveNetHTTP)
	} else {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// waitQuit returns when the process is asked to stop.
func waitQuit() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT)
	<-c
}

// tools are the outside programs, with the Debian package of each.
var tools = []struct{ bin, pkg string }{
	{"/usr/sbin/nginx", "nginx"},
	{"wrk", "wrk"},
	{"taskset", "util-linux"},
	{"go", "golang (or Go from go.dev)"},
}

func run(o options) error {
	sel, err := selectScenarios(o.scenarios)
	if err != nil {
		return err
	}
	need := tools
	if contains(sel, "e") {
		need = append(need, struct{ bin, pkg string }{"h2load", "nghttp2-client"})
	}
	for _, t := range need {
		if _, err := exec.LookPath(t.bin); err != nil {
			return fmt.Errorf("%s not found: install the Debian package %s", t.bin, t.pkg)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "gonjet-bench-")
	if err != nil {
		return err
	}
	// nginx started as root serves as "nobody", which must reach the files.
	os.Chmod(tmp, 0o755)
	if o.keep {
		defer fmt.Fprintf(os.Stderr, "bench: files kept in %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	h := &harness{opt: o, tmp: tmp, out: os.Stdout, logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}

	h.logf("building examples/njet ...")
	njetBin := filepath.Join(tmp, "njet")
	build := exec.CommandContext(ctx, "go", "build", "-o", njetBin, "./examples/njet")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./examples/njet: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	h.nginx, h.njet, h.netHTTP = nginxProgram("/usr/sbin/nginx"), njetProgram(njetBin), netHTTPProgram(self)
	njetV := versionOutput(njetBin, "-V")
	h.njetHTTP2 = strings.Contains(njetV, "--with-http_v2_module")

	printHeader(h.out, o, root, njetV)

	backend, err := h.startBackend(ctx)
	if err != nil {
		return err
	}
	defer backend.stop()

	var results []*result
	for _, sc := range sel {
		r, err := h.scenario(ctx, sc)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc.key, err)
		}
		results = append(results, r)
	}
	printReport(h.out, o, results)
	return nil
}

func contains(sel []*scenario, key string) bool {
	for _, sc := range sel {
		if sc.key == key {
			return true
		}
	}
	return false
}

// scenario runs every round of sc, the programs in alternating order.
func (h *harness) scenario(ctx context.Context, sc *scenario) (*result, error) {
	r := &result{sc: sc}
	progs := []*program{h.nginx, h.njet}
	switch {
	case sc.load == loadIdle:
		progs = append(progs, h.netHTTP)
	case sc.http2 && !h.njetHTTP2:
		r.unsupported = map[string]bool{h.njet.name: true}
		progs = progs[:1]
	}
	r.samples = map[string][]*sample{}
	for round := 1; round <= h.opt.rounds; round++ {
		order := progs
		if round%2 == 0 {
			order = reversed(progs)
		}
		for _, prog := range order {
			h.logf("scenario %s, round %d/%d: %s", sc.key, round, h.opt.rounds, prog.name)
			h.waitQuiet(ctx)
			s, err := h.round(ctx, sc, prog, round)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				// A gateway that fails a round (exits, stops answering) is
				// a finding, not the end of the run.
				h.logf("  failed: %v", err)
				s = &sample{failed: true, problems: []string{fmt.Sprintf("round %d failed: %v", round, err)}}
			}
			r.samples[prog.name] = append(r.samples[prog.name], s)
		}
	}
	r.programs = progs
	return r, nil
}

func reversed(p []*program) []*program {
	out := make([]*program, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

// moduleRoot is the directory of go.mod, where "go build ./examples/njet"
// works.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the GoNJet module: go run ./internal/bench")
	}
	return filepath.Dir(mod), nil
}

// versionOutput is what a program prints for its version flag (nginx and
// njet print on stderr).
func versionOutput(bin string, args ...string) string {
	out, _ := exec.Command(bin, args...).CombinedOutput()
	return strings.TrimSpace(string(out))
}
