// Command njet is the GoNJet gateway with OpenNJet's (and nginx's)
// command line: it reads an unchanged njet.conf or nginx.conf and serves
// it.
//
//	njet [-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename]
//	     [-g directives] [-d data_dir]
//
// With no configuration file at PREFIX/njet.conf and no -c, it serves a
// welcome page on port 8080 from an embedded default configuration:
//
//	go run ./examples/njet
//
// conf/ holds OpenNJet's reference njet.conf and njet_ctrl.conf (data
// plane on :8080; control-plane API, Swagger UI and traffic status on
// :8081) with mime.types; copy it to PREFIX/conf and run
//
//	njet -p PREFIX/ -c conf/njet.conf
//
// Signals, as nginx's master process: HUP reloads the configuration (a
// new snapshot is built and swapped in; listen sockets that stay are
// kept, requests in flight finish on the old snapshot), QUIT stops
// gracefully, TERM and INT stop at once, USR1 reopens log files.
// "njet -s stop|quit|reload|reopen" sends them to the process named in
// the pid file.
//
// "daemon on" (nginx's default) starts the gateway again in a new
// session, detached from the terminal, and returns; test harnesses and
// service managers use "daemon off".
package main
