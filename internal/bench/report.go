package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is every round of one scenario.
type result struct {
	sc          *scenario
	programs    []*program
	samples     map[string][]*sample // by program name
	unsupported map[string]bool      // programs that cannot run the scenario
}

// median of the values f picks from the completed rounds of one program.
func (r *result) median(name string, f func(*sample) float64) float64 {
	var v []float64
	for _, s := range r.samples[name] {
		if !s.failed {
			v = append(v, f(s))
		}
	}
	return median(v)
}

// failed says that no round of the program completed.
func (r *result) failed(name string) bool {
	for _, s := range r.samples[name] {
		if !s.failed {
			return false
		}
	}
	return true
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// printHeader prints how the run was made: the command line and the
// machine, so that a table is never read without them.
func printHeader(w io.Writer, o options, root, njetV string) {
	fmt.Fprintf(w, "# GoNJet beside nginx: load run\n\n")
	fmt.Fprintf(w, "Command: `go run ./internal/bench %s`  \n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(w, "Date: %s  \n", time.Now().Format(time.RFC3339))
	fmt.Fprintf(w, "Commit: %s  \n", gitDescribe(root))
	fmt.Fprintf(w, "Machine: %s, %d CPUs, %s RAM, Linux %s  \n", cpuModel(), runtime.NumCPU(), memTotal(), readTrim("/proc/sys/kernel/osrelease"))
	fmt.Fprintf(w, "Programs: %s; %s; %s; %s; %s  \n", runtime.Version(), firstLine(versionOutput("/usr/sbin/nginx", "-v")),
		strings.TrimSuffix(firstLine(versionOutput("wrk", "-v")), " Copyright (C) 2012 Will Glozer"), firstLine(versionOutput("h2load", "--version")), firstLine(njetV))
	fmt.Fprintf(w, "CPUs: gateway on %d (njet GOMAXPROCS=1, nginx worker_processes 1), wrk/h2load on %d, backend nginx (1 worker) on %d  \n",
		o.gwCPU, o.loadCPU, o.backendCPU)
	fmt.Fprintf(w, "Load: wrk -t1 -c%d --latency (h2load -t1 -c%d -m%d), %s per run after a %s warm-up, %d rounds, gateways alternating; medians shown\n",
		o.conns, o.conns, h2Streams, o.duration, o.warmup, o.rounds)
}

// printReport prints the tables: throughput and latency, idle connections,
// the per-round figures, and whatever went wrong.
func printReport(w io.Writer, o options, results []*result) {
	var load, idle []*result
	for _, r := range results {
		if r.sc.load == loadIdle {
			idle = append(idle, r)
		} else {
			load = append(load, r)
		}
	}
	if len(load) > 0 {
		printThroughput(w, load)
	}
	for _, r := range idle {
		printIdle(w, o, r)
	}
	if len(load) > 0 {
		printPairs(w, load)
		printRounds(w, load)
	}
	printProblems(w, results)
}

// printThroughput is the main table, one line per scenario, medians.
func printThroughput(w io.Writer, results []*result) {
	const ng, gn = "nginx", "GoNJet"
	fmt.Fprintf(w, "\n## Throughput and latency\n\n")
	fmt.Fprintf(w, "| Scenario | nginx req/s | GoNJet req/s | GoNJet/nginx | nginx p50 | nginx p99 | GoNJet p50 | GoNJet p99 | nginx peak RSS | GoNJet peak RSS |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	loadBound := false
	for _, r := range results {
		cell := func(name string, f func(*sample) float64, format func(float64) string) string {
			switch {
			case r.unsupported[name]:
				return "not supported"
			case r.failed(name):
				return "failed"
			}
			return format(r.median(name, f))
		}
		rate := func(name string) string {
			c := cell(name, reqs, fmtRate)
			if !r.unsupported[name] && !r.failed(name) && r.median(name, cpu) < saturated {
				c += " ¹"
				loadBound = true
			}
			return c
		}
		ratio := "—"
		if !r.unsupported[gn] && !r.failed(gn) && !r.failed(ng) {
			ratio = fmt.Sprintf("%.2f", r.median(gn, reqs)/r.median(ng, reqs))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.sc.label(),
			rate(ng), rate(gn), ratio,
			cell(ng, p50, fmtMs), cell(ng, p99, fmtMs), cell(gn, p50, fmtMs), cell(gn, p99, fmtMs),
			cell(ng, hwm, fmtKiB), cell(gn, hwm, fmtKiB))
	}
	fmt.Fprintf(w, "\nPeak RSS is VmHWM of the serving process (the nginx worker, the njet process).\n")
	for _, r := range results {
		if r.sc.note != "" {
			fmt.Fprintf(w, "\n%s: %s\n", r.sc.key, r.sc.note)
		}
	}
	if loadBound {
		fmt.Fprintf(w, "\n¹ The gateway used less than %.0f%% of its core: the load side (wrk and the backend) limited this figure, which understates the gateway.\n", saturated*100)
	}
}

func reqs(s *sample) float64 { return s.reqPerSec }
func p50(s *sample) float64  { return float64(s.p50) }
func p99(s *sample) float64  { return float64(s.p99) }
func hwm(s *sample) float64  { return float64(s.hwmKiB) }
func cpu(s *sample) float64  { return s.cpu }

// saturated is the CPU share above which a gateway limited its own
// throughput; below it the load side (wrk, the backend, their shared
// core) did.
const saturated = 0.9

// printIdle is scenario d's table.
func printIdle(w io.Writer, o options, r *result) {
	perConn := func(s *sample) float64 { return s.perConnKiB(o.idle) }
	fmt.Fprintf(w, "\n## %s. %s idle keepalive connections (one proxied 1 KiB GET each, then idle)\n\n", r.sc.key, fmtRate(float64(o.idle)))
	fmt.Fprintf(w, "| Server | RSS before | RSS with the idle connections | RSS per connection | peak RSS | still open |\n|---|--:|--:|--:|--:|--:|\n")
	for _, p := range r.programs {
		if r.failed(p.name) {
			fmt.Fprintf(w, "| %s | failed | failed | failed | failed | failed |\n", p.name)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f KiB | %s | %s |\n", p.name,
			fmtKiB(r.median(p.name, func(s *sample) float64 { return float64(s.baseKiB) })),
			fmtKiB(r.median(p.name, func(s *sample) float64 { return float64(s.idleKiB) })),
			r.median(p.name, perConn),
			fmtKiB(r.median(p.name, hwm)),
			fmtRate(r.median(p.name, func(s *sample) float64 { return float64(s.alive) })))
	}
	gn := r.median("GoNJet", perConn)
	fmt.Fprintf(w, "\nRSS per connection, GoNJet/nginx: %.2f; GoNJet/net/http: %.2f. nginx is its worker process; net/http is a plain Go server with default settings, GOMAXPROCS=1.\n",
		gn/r.median("nginx", perConn), gn/r.median("net/http", perConn))
	fmt.Fprintf(w, "RSS is VmRSS read 2 s after the last connection was made; the base was read after %d warm-up connections had come and gone.\n", o.conns)
}

// printRounds shows every round, and the CPU share of the gateway and the
// backend: a gateway below one core with the backend near one is a run
// that measured the backend.
func printRounds(w io.Writer, results []*result) {
	fmt.Fprintf(w, "\n## Rounds\n\nCPU columns: share of one core during the measured run (medians); the backend and the load generator share the load CPU when the machine has two. \"Others\" is what the rest of the machine used meanwhile (other programs, kernel threads): more than a few per cent means the figures of that round are disturbed.\n\n")
	fmt.Fprintf(w, "| Scenario | Server | req/s per round | CPU of gateway | CPU of backend | CPU of wrk/h2load | CPU of others (max) | requests | non-2xx | socket errors |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range results {
		if r.sc.load == loadIdle {
			continue
		}
		for _, p := range r.programs {
			var rates []string
			var total, non2xx, errs int64
			var others float64
			for _, s := range r.samples[p.name] {
				if s.failed {
					rates = append(rates, "failed")
					continue
				}
				others = max(others, s.otherCPU)
				rates = append(rates, fmtRate(s.reqPerSec))
				total += s.requests
				non2xx += s.non2xx
				errs += s.socketErrors
			}
			fmt.Fprintf(w, "| %s | %s | %s | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %s | %d | %d |\n", r.sc.key, p.name, strings.Join(rates, " / "),
				100*r.median(p.name, cpu),
				100*r.median(p.name, func(s *sample) float64 { return s.backendCPU }),
				100*r.median(p.name, func(s *sample) float64 { return s.genCPU }),
				100*others, fmtRate(float64(total)), non2xx, errs)
		}
	}
}

// printPairs compares each GoNJet round with the nginx round of the same
// pair, run right before or after it (the order alternates). On a machine whose speed drifts over minutes (a shared
// host), the medians of the main table can pair a fast stretch for one
// program with a slow one for the other; rounds run back to back see
// much the same machine, so the median of their ratios says more.
func printPairs(w io.Writer, results []*result) {
	const ng, gn = "nginx", "GoNJet"
	fmt.Fprintf(w, "\n## Round by round\n\nEach GoNJet round against the nginx round of the same pair, run right before or after it; medians of those ratios. Rounds run back to back see much the same machine, where the medians above may pair a fast stretch of one program with a slow stretch of the other.\n\n")
	fmt.Fprintf(w, "| Scenario | GoNJet/nginx req/s per round | median | GoNJet/nginx p99 per round | median |\n|---|---|--:|---|--:|\n")
	for _, r := range results {
		if r.unsupported[gn] || r.unsupported[ng] {
			continue
		}
		var rate, p99s []float64
		var rateText, p99Text []string
		for i, g := range r.samples[gn] {
			if i >= len(r.samples[ng]) {
				break
			}
			n := r.samples[ng][i]
			if g.failed || n.failed || n.reqPerSec == 0 || n.p99 == 0 {
				continue
			}
			rate = append(rate, g.reqPerSec/n.reqPerSec)
			p99s = append(p99s, float64(g.p99)/float64(n.p99))
			rateText = append(rateText, fmt.Sprintf("%.2f", rate[len(rate)-1]))
			p99Text = append(p99Text, fmt.Sprintf("%.2f", p99s[len(p99s)-1]))
		}
		if len(rate) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %s | %.2f |\n", r.sc.key, strings.Join(rateText, " / "), median(rate), strings.Join(p99Text, " / "), median(p99s))
	}
}

// logPrefixRE is the date, pid and connection number of an error log line,
// which differ between lines that report the same thing.
var logPrefixRE = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: (\*\d+ )?`)

// printProblems lists failed checks, error log lines and failed requests,
// each distinct line once with how many times it came.
func printProblems(w io.Writer, results []*result) {
	fmt.Fprintf(w, "\n## Problems\n\n")
	found := false
	for _, r := range results {
		for _, p := range r.programs {
			counts := map[string]int{}
			var order []string
			for _, s := range r.samples[p.name] {
				for _, line := range s.problems {
					line = logPrefixRE.ReplaceAllString(line, "$1 ")
					if counts[line] == 0 {
						order = append(order, line)
					}
					counts[line]++
				}
			}
			const shown = 8
			for i, line := range order {
				if i == shown {
					fmt.Fprintf(w, "- %s, %s: ... and %d more distinct lines\n", r.sc.key, p.name, len(order)-shown)
					break
				}
				fmt.Fprintf(w, "- %s, %s (%d×): %s\n", r.sc.key, p.name, counts[line], truncate(line, 300))
				found = true
			}
		}
	}
	if !found {
		fmt.Fprintf(w, "None: every check passed, every answer was 2xx, no error log lines at warn or above.\n")
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func fmtRate(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// fmtMs formats a duration given in nanoseconds as milliseconds.
func fmtMs(ns float64) string {
	ms := ns / 1e6
	if ms >= 100 {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

func fmtKiB(kib float64) string { return fmt.Sprintf("%.1f MiB", kib/1024) }

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return fmt.Sprintf("%.1f GiB", kib/(1<<20))
		}
	}
	return "?"
}

func readTrim(name string) string {
	data, _ := os.ReadFile(name)
	return strings.TrimSpace(string(data))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// gitDescribe names the commit measured, and says when the work tree has
// changes on top of it. It only reads the repository (no index refresh).
func gitDescribe(root string) string {
	head, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	s := strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "-C", root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += " with uncommitted changes"
	}
	return s
}
