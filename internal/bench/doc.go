// Command bench is GoNJet's load harness: it measures the njet example
// gateway beside nginx on the same machine, with the same configuration
// file, the same backend and the same load generator, and prints a
// markdown report.
//
//	go run ./internal/bench                      # all scenarios, 3 rounds of 10s
//	go run ./internal/bench -duration 5s -scenarios a,d,g
//
// It needs the Debian packages nginx (/usr/sbin/nginx), wrk, nghttp2-client
// (h2load, scenario e only) and util-linux (taskset), and runs from the
// module root, where it builds examples/njet into a temporary directory.
//
// Every gateway gets one core: njet runs with GOMAXPROCS=1 and nginx with
// worker_processes 1, both pinned with taskset to the gateway CPU (-gw-cpu);
// wrk -t1 runs on the load CPU (-load-cpu). The backend is nginx serving
// files from its own prefix, one worker pinned to -backend-cpu (by default
// a third CPU when there is one, else the load CPU), so that the backend is
// never the slowest part of the chain. The report shows the CPU share of
// the gateway and of the backend so that a reader can see which one was
// saturated.
//
// Scenarios (-scenarios takes letters, comma separated, or "all"):
//
//	a  1 KiB GET proxied, upstream keepalive
//	b  64 KiB GET proxied
//	c  1 KiB POST body proxied
//	d  10,000 idle keepalive client connections: RSS per connection,
//	   with a plain net/http server holding the same connections beside
//	e  HTTP/2 cleartext with prior knowledge (listen ... http2), h2load;
//	   "not supported" for a GoNJet whose njet -V lacks --with-http_v2_module
//	f  a static 1 KiB file
//	g  scenario a with a realistic configuration: 20 locations including
//	   regexes, a map, add_header, and the access log on
//
// Flags: -rounds (3), -duration (10s), -warmup (1s), -scenarios (all),
// -conns (64, for wrk and h2load), -idle (10000, scenario d), -keep (keep
// the temporary directory with every configuration and log), -quiet-wait
// (30s: before each round, wait up to this long for a second in which
// other programs leave the CPUs alone), -gw-cpu, -load-cpu, -backend-cpu.
//
// The gateway configuration is one text that both programs read. Its
// upstream keeps 64 idle connections (keepalive 64; proxy_http_version
// 1.1; proxy_set_header Connection ""), and keepalive_requests is raised
// so that the load generators' connections last the whole run (h2load
// does not reconnect when a server ends a connection).
//
// For each scenario and round the harness starts each gateway afresh in a
// temporary prefix ("daemon off"), waits for its port, checks one answer,
// warms it up, runs the load, reads the peak RSS (VmHWM of the process that
// serves: the njet process, the nginx worker), and stops it with SIGQUIT.
// The gateways alternate, and which goes first alternates between rounds,
// so that drift in the machine affects both alike. The table shows the
// medians over the rounds; a second one the ratios of each pair of rounds
// (run back to back) and their medians; a third every round with the CPU
// share of the gateway, the backend, the load generator and the rest of
// the machine, and a last section lists failed checks, failed requests and
// error log lines at warn or above.
package main
