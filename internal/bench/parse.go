package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// loadResult is what one load run (wrk or h2load) measured.
type loadResult struct {
	requests     int64
	reqPerSec    float64
	p50, p99     time.Duration
	non2xx       int64 // answers outside 2xx (wrk: outside 2xx and 3xx)
	socketErrors int64 // connect, read, write errors and timeouts; h2load: streams that errored

	loadCPU time.Duration // CPU time the load generator used, from the process, not its output
}

var (
	wrkRequestsRE = regexp.MustCompile(`^\s*(\d+) requests in `)
	wrkRateRE     = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)`)
	wrkPctRE      = regexp.MustCompile(`^\s*(50|99)(?:\.0+)?%\s+(\S+)`)
	wrkSocketRE   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xxRE   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// parseWrk reads the report of "wrk --latency". The latency percentiles
// come from its "Latency Distribution" block, in wrk's units (us, ms, s,
// m), which time.ParseDuration reads as they are.
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	var haveRate, haveP50, haveP99 bool
	for _, line := range strings.Split(out, "\n") {
		if m := wrkRequestsRE.FindStringSubmatch(line); m != nil {
			r.requests, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if m := wrkRateRE.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return r, fmt.Errorf("wrk: bad Requests/sec %q", m[1])
			}
			r.reqPerSec, haveRate = v, true
		}
		if m := wrkPctRE.FindStringSubmatch(line); m != nil {
			d, err := time.ParseDuration(m[2])
			if err != nil {
				return r, fmt.Errorf("wrk: bad latency %q", m[2])
			}
			if m[1] == "50" {
				r.p50, haveP50 = d, true
			} else {
				r.p99, haveP99 = d, true
			}
		}
		if m := wrkSocketRE.FindStringSubmatch(line); m != nil {
			for _, s := range m[1:] {
				n, _ := strconv.ParseInt(s, 10, 64)
				r.socketErrors += n
			}
		}
		if m := wrkNon2xxRE.FindStringSubmatch(line); m != nil {
			r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
		}
	}
	switch {
	case !haveRate:
		return r, fmt.Errorf("wrk: no Requests/sec line in its output")
	case !haveP50 || !haveP99:
		return r, fmt.Errorf("wrk: no latency distribution in its output (was --latency given?)")
	}
	return r, nil
}

var (
	h2FinishedRE = regexp.MustCompile(`^finished in [^,]+, ([0-9.]+) req/s`)
	h2RequestsRE = regexp.MustCompile(`^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
	h2StatusRE   = regexp.MustCompile(`^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`)
)

// parseH2load reads h2load's summary. h2load prints no percentiles; those
// come from its --log-file (see parseH2log).
func parseH2load(out string) (loadResult, error) {
	var r loadResult
	var haveRate bool
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if m := h2FinishedRE.FindStringSubmatch(line); m != nil {
			r.reqPerSec, _ = strconv.ParseFloat(m[1], 64)
			haveRate = true
		}
		if m := h2RequestsRE.FindStringSubmatch(line); m != nil {
			// "failed" includes the non-2xx answers counted below, and
			// "timeout" is part of "errored": errored alone is what went
			// wrong below HTTP (resets, closed connections, timeouts).
			r.requests, _ = strconv.ParseInt(m[3], 10, 64)
			r.socketErrors, _ = strconv.ParseInt(m[6], 10, 64)
		}
		if m := h2StatusRE.FindStringSubmatch(line); m != nil {
			for _, s := range m[2:] {
				n, _ := strconv.ParseInt(s, 10, 64)
				r.non2xx += n
			}
		}
	}
	switch {
	case !haveRate:
		return r, fmt.Errorf("h2load: no \"finished in\" line in its output")
	case r.requests == 0:
		// What h2load reports when the server does not speak HTTP/2.
		return r, fmt.Errorf("h2load: no request completed")
	}
	return r, nil
}

// parseH2log reads h2load's per-request log (start time, status, duration
// in microseconds, tab separated) and returns the median and 99th
// percentile of the durations of the streams that got an answer.
func parseH2log(rd io.Reader) (p50, p99 time.Duration, err error) {
	var us []int64
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 3 || f[1] == "-1" {
			continue
		}
		v, perr := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("h2load log: bad duration %q", f[2])
		}
		us = append(us, v)
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if len(us) == 0 {
		return 0, 0, fmt.Errorf("h2load log: no completed requests")
	}
	slices.Sort(us)
	return time.Duration(percentile(us, 50)) * time.Microsecond, time.Duration(percentile(us, 99)) * time.Microsecond, nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []int64, p int) int64 {
	i := (len(sorted)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[i-1]
}
