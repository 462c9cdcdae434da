// Command minimal is the smallest useful GoNJet gateway: it proxies /api/
// to two backends by round robin and tags every request with a Go filter
// before it is forwarded.
//
//	go run ./examples/minimal 127.0.0.1:8080 127.0.0.1:9001 127.0.0.1:9002
package main
